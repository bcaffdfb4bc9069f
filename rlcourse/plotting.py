"""Plots the chapters share: learning curves over seeds, Q-table maps, critic surfaces.

Every function draws on a matplotlib ``Axes`` (made for you when ``ax`` is None) and returns it,
so notebooks can compose figures. Nothing here trains anything: pass in what training returned.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

# --- learning curves (all chapters) ---------------------------------------------------------------

#: The spread band drawn around the median: percentiles over seeds at each step.
SPREADS: dict[str, tuple[float, float]] = {"iqr": (25.0, 75.0), "minmax": (0.0, 100.0)}
_SPREAD_LABELS = {"iqr": "25–75 % of seeds", "minmax": "min–max over seeds"}


def seed_curves(metrics: list, column: str = "eval_mean_return", *,
                points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Put one curve per seed on a common grid of env steps.

    Seeds logged at the same steps (periodic evaluation every N steps) keep those steps exactly.
    Otherwise (per-episode columns such as ``episode_return`` end at different steps in each
    seed) every seed is interpolated linearly onto ``points`` evenly spaced steps over the range
    that **all** seeds cover: nothing is extrapolated past a seed's first or last logged step.

    Args:
        metrics: one :class:`rlcourse.runs.Metrics` per seed (a single Metrics is one seed).
        column: a metrics column; rows without it are skipped.
        points: grid size when the seeds' steps differ.

    Returns:
        ``(steps, values)`` with shapes ``(n_points,)`` and ``(n_seeds, n_points)``.

    Raises:
        ValueError: no runs, or a run without any value in ``column``.
    """
    from rlcourse.runs import Metrics

    runs = [metrics] if isinstance(metrics, Metrics) else list(metrics)
    if not runs:
        raise ValueError("no runs given: pass a list with one Metrics per seed")
    curves = []
    for index, run in enumerate(runs):
        pairs = sorted(run.column(column))
        if not pairs:
            known = sorted({key for row in run.rows for key in row})
            raise ValueError(f"run {index} has no values in column {column!r}; "
                             f"its columns: {', '.join(known) or 'none (empty run)'}")
        steps, values = np.array(pairs, dtype=float).T  # (n_rows,), (n_rows,)
        curves.append((steps, values))
    if all(np.array_equal(curves[0][0], steps) for steps, _ in curves):
        return curves[0][0], np.stack([values for _, values in curves])
    low = max(steps[0] for steps, _ in curves)
    high = min(steps[-1] for steps, _ in curves)
    if low > high:
        raise ValueError(f"the seeds' step ranges in column {column!r} do not overlap "
                         f"(latest first step {low:g} > earliest last step {high:g})")
    grid = np.linspace(low, high, points) if high > low else np.array([low])
    return grid, np.stack([np.interp(grid, steps, values) for steps, values in curves])


def plot_learning_curves(runs: dict[str, list], *, column: str = "eval_mean_return",
                         threshold: float | None = None, ax: plt.Axes | None = None,
                         title: str | None = None, spread: str = "iqr") -> plt.Axes:
    """Median learning curve over seeds with a spread band, against env steps, per labelled run.

    For each label the seeds' curves are put on a common step grid (:func:`seed_curves`), then
    the median over seeds is drawn as a line and the band between the 25th and 75th percentile
    (``spread="iqr"``, the default) or between the worst and best seed (``spread="minmax"``) is
    shaded. The legend says which band and how many seeds. One seed draws its curve alone.

    Args:
        runs: label -> one :class:`rlcourse.runs.Metrics` per seed, e.g.
            ``{"DQN": [metrics_seed0, metrics_seed1, metrics_seed2]}``.
        column: the metrics column on the y axis (``"episode_return"`` for training returns).
        threshold: draw a dashed "solved" line at this value (e.g. ``SOLVED_THRESHOLDS[env_id]``).
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.
        spread: ``"iqr"`` or ``"minmax"``.

    Returns:
        The Axes, for further styling.

    Example:
        >>> from rlcourse.runs import Metrics
        >>> m = Metrics(); m.log_eval(100, 1, 20.0); m.log_eval(200, 2, 60.0)
        >>> ax = plot_learning_curves({"DQN": [m]}, threshold=475)
    """
    if spread not in SPREADS:
        raise ValueError(f"spread must be one of {', '.join(SPREADS)}, got {spread!r}")
    if not runs:
        raise ValueError("runs is empty: pass {label: [Metrics, ...]}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    low_q, high_q = SPREADS[spread]
    for label, metrics in runs.items():
        try:
            steps, values = seed_curves(metrics, column)  # (n_points,), (n_seeds, n_points)
        except ValueError as error:
            raise ValueError(f"{label!r}: {error}") from None
        n_seeds = values.shape[0]
        median = np.median(values, axis=0)
        if n_seeds == 1:
            ax.plot(steps, median, label=f"{label} (1 seed)")
            continue
        (line,) = ax.plot(steps, median, label=f"{label}: median of {n_seeds} seeds")
        ax.fill_between(steps, np.percentile(values, low_q, axis=0),
                        np.percentile(values, high_q, axis=0), color=line.get_color(), alpha=0.25,
                        linewidth=0, label=f"{label}: {_SPREAD_LABELS[spread]}")
    if threshold is not None:
        ax.axhline(threshold, color="black", linestyle="--", linewidth=1,
                   label=f"solved ({threshold:g})")
    ax.set_xlabel("env steps")
    ax.set_ylabel(column.replace("_", " "))
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


# --- Q-tables (chapter 02) ------------------------------------------------------------------------

# --- DQN (chapters 03-04) -------------------------------------------------------------------------

# --- DDPG: critic surfaces and policy maps (chapters 05-06) ---------------------------------------
