"""Plots the chapters share: learning curves over seeds, Q-table maps, critic surfaces.

Every function draws on a matplotlib ``Axes`` (made for you when ``ax`` is None) and returns it,
so notebooks can compose figures. Nothing here trains anything: pass in what training returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np

from rlcourse.i18n import _

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
        raise ValueError(_("no runs given: pass a list with one Metrics per seed"))
    curves = []
    for index, run in enumerate(runs):
        pairs = sorted(run.column(column))
        if not pairs:
            known = sorted({key for row in run.rows for key in row})
            raise ValueError(_("run {index} has no values in column {column}; its columns: {columns}").format(
                index=index, column=repr(column), columns=", ".join(known) or _("none (empty run)")))
        steps, values = np.array(pairs, dtype=float).T  # (n_rows,), (n_rows,)
        curves.append((steps, values))
    if all(np.array_equal(curves[0][0], steps) for steps, _values in curves):
        return curves[0][0], np.stack([values for _steps, values in curves])
    low = max(steps[0] for steps, _values in curves)
    high = min(steps[-1] for steps, _values in curves)
    if low > high:
        raise ValueError(_("the seeds' step ranges in column {column} do not overlap (latest first step "
                           "{low} > earliest last step {high})").format(
                               column=repr(column), low=f"{low:g}", high=f"{high:g}"))
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
        raise ValueError(_("spread must be one of {choices}, got {spread}").format(
            choices=", ".join(SPREADS), spread=repr(spread)))
    if not runs:
        raise ValueError(_("runs is empty: pass {{label: [Metrics, ...]}}").format())
    if ax is None:
        _figure, ax = plt.subplots(figsize=(7, 4))
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

#: Arrow per action as (column step, row step) on the grid, rows counted downwards as on screen.
#: The toy-text envs number their actions differently.
_FROZENLAKE_MOVES = {0: (-1, 0), 1: (0, 1), 2: (1, 0), 3: (0, -1)}  # left, down, right, up
_CLIFFWALKING_MOVES = {0: (0, -1), 1: (1, 0), 2: (0, 1), 3: (-1, 0)}  # up, right, down, left
#: cell letters: S start, F frozen/ordinary, H hole, C cliff, G goal; H, C and G end nothing greedy
_NO_ARROW = frozenset("HCG")
_CELL_STYLE = {"H": ("black", "hole"), "C": ("#7f3b08", "cliff"), "G": ("gold", "goal")}


@dataclass(frozen=True)
class GridLayout:
    """How a grid world's states sit on the screen: ``state = row * n_cols + col``."""

    cells: np.ndarray  # (n_rows, n_cols) of one-letter str: S, F, H, C, G
    moves: dict[int, tuple[int, int]]  # action -> (column step, row step)

    @property
    def shape(self) -> tuple[int, int]:
        return self.cells.shape

    def position(self, state: int) -> tuple[int, int]:
        """``(row, col)`` of a state."""
        return divmod(int(state), self.cells.shape[1])


def grid_layout(env) -> GridLayout:
    """The :class:`GridLayout` of FrozenLake (any map) or CliffWalking.

    Args:
        env: an env id (``"FrozenLake-v1"``, ``"FrozenLake8x8-v1"``, ``"CliffWalking-v1"``) or a
            made env (e.g. ``make_env("FrozenLake-v1", map_name="8x8")``).

    Raises:
        ValueError: an env that is not laid out on a grid (Taxi's 500 states are not cells).
    """
    from rlcourse.envs import open_env

    with open_env(env) as env:
        unwrapped = env.unwrapped
        if hasattr(unwrapped, "desc") and hasattr(unwrapped, "nrow"):  # FrozenLake
            cells = np.char.decode(np.asarray(unwrapped.desc), "ascii")
            return GridLayout(cells, _FROZENLAKE_MOVES)
        if hasattr(unwrapped, "_cliff") and hasattr(unwrapped, "shape"):  # CliffWalking
            cells = np.where(np.asarray(unwrapped._cliff), "C", "F").astype("<U1")
            cells[unwrapped.shape[0] - 1, 0] = "S"
            cells[unwrapped.shape[0] - 1, -1] = "G"
            return GridLayout(cells, _CLIFFWALKING_MOVES)
    name = env.spec.id if env.spec else type(env.unwrapped).__name__
    raise ValueError(_("{name} is not a grid world this plot knows (FrozenLake, CliffWalking); plot its "
                       "Q-table as a plain array instead: plt.imshow(q_table, aspect='auto')").format(name=name))


def _mark_cells(ax: plt.Axes, layout: GridLayout, line_color: str = "white") -> None:
    """Colour holes, cliff and goal, letter S and G, and draw the cell borders in ``line_color``."""
    n_rows, n_cols = layout.shape
    for (row, col), letter in np.ndenumerate(layout.cells):
        if letter in _CELL_STYLE:
            color, _ = _CELL_STYLE[letter]
            ax.add_patch(plt.Rectangle((col - 0.5, row - 0.5), 1, 1, facecolor=color,
                                       edgecolor="none", alpha=0.85))
        if letter in "SG":
            ax.text(col - 0.42, row - 0.42, letter, ha="left", va="top", fontsize=8,
                    fontweight="bold", color="black" if letter == "G" else line_color)
    # explicit lines: minor-tick grid lines get lost on an image's inverted y axis
    ax.hlines(np.arange(-0.5, n_rows), -0.5, n_cols - 0.5, color=line_color, linewidth=0.5)
    ax.vlines(np.arange(-0.5, n_cols), -0.5, n_rows - 0.5, color=line_color, linewidth=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)  # row 0 at the top, as the env renders it


def plot_q_table(q_table: np.ndarray, env, *, ax: plt.Axes | None = None,
                 title: str | None = None, colorbar: bool = True, vmin: float | None = None,
                 vmax: float | None = None) -> plt.Axes:
    """Heatmap of max_a Q(s, a) on the grid with an arrow for the greedy action in every cell.

        colour(s) = max_a Q(s, a)        arrow(s) = argmax_a Q(s, a)

    A cell whose actions all tie (never updated, or a zero-initialised table) gets a dot instead
    of an arrow: the table has no preference there yet. Holes, the cliff and the goal end the
    episode, so they get no arrow; holes are black, the cliff brown, the goal gold.

    Args:
        q_table: shape ``(n_states, n_actions)``.
        env: an env id or env laid out on a grid (see :func:`grid_layout`).
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.
        colorbar: add a colour bar for max_a Q.
        vmin, vmax: the colour scale's ends (default: this table's range); fix them to compare
            several tables, e.g. snapshots taken during training.

    Returns:
        The Axes; its arrows are the ``Quiver`` with gid ``"greedy_actions"``.
    """
    layout = grid_layout(env)
    n_rows, n_cols = layout.shape
    q_table = np.asarray(q_table, dtype=float)
    if q_table.shape[0] != n_rows * n_cols:
        raise ValueError(_("q_table has {rows} rows but this grid has {n_rows} x {n_cols} = {states} "
                           "states").format(rows=q_table.shape[0], n_rows=n_rows, n_cols=n_cols,
                                            states=n_rows * n_cols))
    if ax is None:
        _figure, ax = plt.subplots(figsize=(0.6 * n_cols + 1.5, 0.6 * n_rows + 0.4))
    values = q_table.max(axis=1).reshape(n_rows, n_cols)  # (n_rows, n_cols)
    image = ax.imshow(values, cmap="viridis", vmin=vmin, vmax=vmax)
    _mark_cells(ax, layout)
    xs, ys, us, vs, dots = [], [], [], [], []
    for state, q_values in enumerate(q_table):
        row, col = layout.position(state)
        if layout.cells[row, col] in _NO_ARROW:
            continue
        if np.all(q_values == q_values[0]):
            dots.append((col, row))
            continue
        dx, dy = layout.moves[int(q_values.argmax())]
        xs.append(col - 0.3 * dx)
        ys.append(row - 0.3 * dy)
        us.append(0.6 * dx)
        vs.append(0.6 * dy)
    shaft_width = 0.024 / max(n_rows, n_cols, 4) ** 0.5  # thinner on bigger grids
    arrows = ax.quiver(xs, ys, us, vs, angles="xy", scale_units="xy", scale=1, color="white",
                       edgecolor="black", linewidth=0.5, width=shaft_width)
    arrows.set_gid("greedy_actions")
    if dots:
        ax.plot(*zip(*dots), "o", color="white", markersize=3, linestyle="none", gid="ties")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="max_a Q(s, a)")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_greedy_paths(paths: dict[str, list[int]], env, *, ax: plt.Axes | None = None,
                      title: str | None = None) -> plt.Axes:
    """Draw one or more paths of states (e.g. :func:`rlcourse.tabular.greedy_path`) on the grid.

    Each path is a line through the centres of its cells, labelled in the legend with its
    number of steps; paths are shifted slightly apart so that shared stretches stay visible.

    Args:
        paths: label -> states visited, start first, e.g.
            ``{"Q-learning": greedy_path(q_learning_table, "CliffWalking-v1"), "SARSA": ...}``.
        env: an env id or env laid out on a grid (see :func:`grid_layout`).

    Returns:
        The Axes; each path is a ``Line2D`` whose label starts with the path's label.
    """
    layout = grid_layout(env)
    n_rows, n_cols = layout.shape
    if ax is None:
        _, ax = plt.subplots(figsize=(0.6 * n_cols + 0.5, 0.6 * n_rows + 0.9))
    ax.imshow(np.zeros(layout.shape), cmap="Greys", vmin=0, vmax=1)
    _mark_cells(ax, layout, line_color="0.4")
    for index, (label, states) in enumerate(paths.items()):
        offset = 0.12 * (index - (len(paths) - 1) / 2)
        rows, cols = np.array([layout.position(s) for s in states]).T  # (n_states,), (n_states,)
        ax.plot(cols + offset, rows + offset, marker="o", markersize=3, linewidth=2,
                label=f"{label} ({len(states) - 1} steps)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=max(len(paths), 1),
              fontsize="small", frameon=False)
    if title is not None:
        ax.set_title(title)
    return ax


def plot_q_table_snapshots(snapshots: list[tuple[int, np.ndarray]], env, *,
                           count: int = 4) -> plt.Figure:
    """A row of :func:`plot_q_table` heatmaps at ``count`` snapshots spread over training.

    All panels share one colour scale (and one colour bar), so values can be compared across them.

    Args:
        snapshots: ``(episode, q_table)`` pairs, as ``rlcourse.tabular.train(snapshot_every=...)``
            records them in ``run.snapshots``.
        env: an env id or env laid out on a grid.
        count: how many snapshots to show (evenly spaced, always the first and the last).
    """
    if not snapshots:
        raise ValueError(_("no snapshots: train with snapshot_every > 0"))
    picks = np.linspace(0, len(snapshots) - 1, min(count, len(snapshots)))
    picks = np.unique(picks.round().astype(int))
    n_rows, n_cols = grid_layout(env).shape
    values = [np.asarray(snapshots[pick][1]).max(axis=1) for pick in picks]
    vmin, vmax = min(v.min() for v in values), max(v.max() for v in values)
    figsize = (len(picks) * (0.45 * n_cols + 0.6) + 1.0, 0.45 * n_rows + 0.7)
    fig, axes = plt.subplots(1, len(picks), figsize=figsize, squeeze=False, layout="constrained")
    for ax, pick in zip(axes[0], picks):
        episode, q_table = snapshots[pick]
        plot_q_table(q_table, env, ax=ax, title=f"after episode {episode}", colorbar=False,
                     vmin=vmin, vmax=vmax)
    fig.colorbar(axes[0, 0].get_images()[0], ax=list(axes[0]), label="max_a Q(s, a)")
    return fig

def plot_episode_returns(runs: dict[str, list], *, window: int = 10, ax: plt.Axes | None = None,
                         title: str | None = None, ylim: tuple[float, float] | None = None
                         ) -> plt.Axes:
    """Online training return per episode, averaged over seeds and smoothed, against episodes.

        curve[e] = mean over the last ``window`` episodes up to e of (mean over seeds of G_e)

    This is the return the ε-greedy *behaviour* policy earned while learning (the classic
    CliffWalking comparison of Sutton & Barto, Example 6.6), not a greedy evaluation.

    Args:
        runs: label -> one :class:`rlcourse.runs.Metrics` per seed, all with the same episodes.
        window: moving-average window in episodes.
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.
        ylim: y limits, e.g. ``(-100, 0)`` to keep early disasters from flattening the plot.

    Returns:
        The Axes; each label's curve is a ``Line2D`` with that label and the number of seeds.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    for label, metrics in runs.items():
        returns = np.array([[value for _, value in run.column("episode_return")]
                            for run in metrics], dtype=float)  # (n_seeds, n_episodes)
        mean = returns.mean(axis=0)  # (n_episodes,)
        smoothed = np.convolve(mean, np.ones(window) / window, mode="valid")
        episodes = np.arange(window, len(mean) + 1)  # the episode each window ends at
        ax.plot(episodes, smoothed, label=f"{label} (mean of {len(metrics)} seeds)")
    ax.set_xlabel("episode")
    ax.set_ylabel(f"episode return, {window}-episode moving average")
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize="small")
    return ax


# --- DQN (chapters 03-04) -------------------------------------------------------------------------

@dataclass(frozen=True)
class QSnapshot:
    """Q-values of the online and the target network on fixed probe states, at one env step.

    Recorded during DQN training (chapter 04) to show how the target network θ⁻ lags the online
    network θ: between two target updates θ moves and θ⁻ stays put.
    """

    step: int
    online: np.ndarray  # (n_states, n_actions): Q(s, ·; θ)
    target: np.ndarray  # (n_states, n_actions): Q(s, ·; θ⁻)


def plot_target_lag(snapshots: list[QSnapshot], *, ax: plt.Axes | None = None,
                    step: int | None = None, title: str | None = None) -> plt.Axes:
    """Mean over the probe states of max_a Q(s, a), online vs target network, against env steps.

    The online curve moves with every gradient step; the target curve is a staircase that jumps
    to the online one at each target update (θ⁻ ← θ) and stays flat in between.

    Args:
        snapshots: :class:`QSnapshot` in step order.
        ax: the Axes to draw on; a new figure is made when None.
        step: if given, a vertical line marks this step (the widget's current position).
        title: the Axes title.

    Returns:
        The Axes; its first line is the online network's curve, its second the target's.
    """
    if not snapshots:
        raise ValueError(_("no snapshots: record QSnapshot(step, online, target) during training"))
    if ax is None:
        _figure, ax = plt.subplots(figsize=(7, 3.5))
    steps = [snapshot.step for snapshot in snapshots]
    online = [snapshot.online.max(axis=1).mean() for snapshot in snapshots]
    target = [snapshot.target.max(axis=1).mean() for snapshot in snapshots]
    ax.plot(steps, online, label="online network θ", color="tab:blue")
    ax.plot(steps, target, label="target network θ⁻", color="tab:orange", drawstyle="steps-post")
    if step is not None:
        ax.axvline(step, color="gray", linestyle=":", linewidth=1)
    ax.set_xlabel("env steps")
    ax.set_ylabel("mean over probe states of max_a Q")
    ax.set_title(title or "the target network lags the online one")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_q_snapshot(snapshot: QSnapshot, *, ax: plt.Axes | None = None) -> plt.Axes:
    """max_a Q(s, a) of the online and the target network on each probe state at one step.

    Returns:
        The Axes; its two bar containers hold the online and the target values, in state order.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3.5))
    online = snapshot.online.max(axis=1)  # (n_states,)
    target = snapshot.target.max(axis=1)  # (n_states,)
    index = np.arange(len(online))
    ax.bar(index - 0.2, online, width=0.4, label="online θ", color="tab:blue")
    ax.bar(index + 0.2, target, width=0.4, label="target θ⁻", color="tab:orange")
    gap = np.abs(online - target).mean()
    ax.set_xticks(index)
    ax.set_xlabel("probe state")
    ax.set_ylabel("max_a Q(s, a)")
    ax.set_title(f"step {snapshot.step}: mean |online − target| = {gap:.2f}")
    ax.legend(loc="lower right", fontsize="small")
    return ax


# --- DDPG: critic surfaces and policy maps (chapters 05-06) ---------------------------------------

#: Pendulum-v1's largest angular velocity |θ̇| (rad/s); its angle θ is 0 upright and ±π hanging down.
PENDULUM_MAX_SPEED = 8.0


@dataclass(frozen=True)
class StateAxes:
    """The named numbers a learner slides to pick a state, and how they make an observation.

    Pendulum's observation is ``(cos θ, sin θ, θ̇)``, but people think in (angle, angular
    velocity): ``to_obs(angle, velocity)`` builds the observation the networks take.
    """

    names: tuple[str, ...]
    ranges: tuple[tuple[float, float], ...]  # (low, high) per name
    to_obs: Callable[..., np.ndarray]  # one float per name -> obs (obs_dim,)


def pendulum_obs(angle, velocity) -> np.ndarray:
    """Pendulum-v1 observations ``(cos θ, sin θ, θ̇)`` from angles and angular velocities.

    Args:
        angle: θ in radians (0 = upright), a float or an array.
        velocity: θ̇ in rad/s, broadcastable against ``angle``.

    Returns:
        float32 array of shape ``(*broadcast_shape, 3)``.

    Example:
        >>> pendulum_obs(0.0, 1.0).tolist()
        [1.0, 0.0, 1.0]
    """
    angle, velocity = np.broadcast_arrays(np.asarray(angle, dtype=float),
                                          np.asarray(velocity, dtype=float))
    return np.stack([np.cos(angle), np.sin(angle), velocity], axis=-1).astype(np.float32)


#: The Pendulum state as the chapter-06 plots and the critic explorer show it.
PENDULUM_STATE = StateAxes(names=("angle θ", "angular velocity θ̇"),
                           ranges=((-np.pi, np.pi), (-PENDULUM_MAX_SPEED, PENDULUM_MAX_SPEED)),
                           to_obs=pendulum_obs)


def _evaluate_actor_critic(actor, critic, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``(μ(s), Q(s, μ(s)))`` as numpy for a batch of observations; Q is None without a critic."""
    import torch

    with torch.no_grad():
        obs_tensor = torch.as_tensor(obs, dtype=torch.float32)  # (batch, obs_dim)
        action = actor(obs_tensor)  # (batch, action_dim)
        q_values = None if critic is None else critic(obs_tensor, action).reshape(-1).numpy()
    return action.numpy(), q_values


def pendulum_surface(actor, critic=None, *, n_angles: int = 61,
                     n_velocities: int = 61) -> dict[str, np.ndarray]:
    """The actor's action μ(s) and the critic's value Q(s, μ(s)) on a Pendulum state grid.

        action[v, a] = μ(s_va)        q_value[v, a] = Q(s_va, μ(s_va))

    where s_va is the observation of angle ``angles[a]`` and angular velocity ``velocities[v]``.
    Q(s, μ(s)) is what the critic thinks the actor's policy earns from s, the value V^μ(s).

    Args:
        actor: maps obs ``(batch, 3)`` to actions ``(batch, 1)`` (e.g. ``rlcourse.networks.Actor``).
        critic: maps ``(obs, action)`` to ``(batch,)``; None skips ``q_value``.
        n_angles, n_velocities: grid size; angles span [-π, π], velocities [-8, 8].

    Returns:
        ``angles (n_angles,)``, ``velocities (n_velocities,)``, ``action`` and (with a critic)
        ``q_value``, both ``(n_velocities, n_angles)``.
    """
    angles = np.linspace(-np.pi, np.pi, n_angles)
    velocities = np.linspace(-PENDULUM_MAX_SPEED, PENDULUM_MAX_SPEED, n_velocities)
    obs = pendulum_obs(*np.meshgrid(angles, velocities)).reshape(-1, 3)  # (n_v * n_a, 3)
    action, q_values = _evaluate_actor_critic(actor, critic, obs)
    if action.shape[1] != 1:
        raise ValueError(_("a policy map needs a one-dimensional action, the actor gives {count} numbers "
                           "per state").format(count=action.shape[1]))
    surface = {"angles": angles, "velocities": velocities,
               "action": action[:, 0].reshape(n_velocities, n_angles)}
    if q_values is not None:
        surface["q_value"] = q_values.reshape(n_velocities, n_angles)
    return surface


def _pendulum_axes(ax: plt.Axes) -> None:
    ax.set_xlabel("angle θ (rad), 0 = upright")
    ax.set_ylabel("angular velocity θ̇ (rad/s)")
    ax.set_xticks([-np.pi, -np.pi / 2, 0, np.pi / 2, np.pi], ["−π", "−π/2", "0", "π/2", "π"])


def plot_critic_surface(critic, actor, *, ax: plt.Axes | None = None, title: str | None = None,
                        n: int = 61) -> plt.Axes:
    """Heatmap of the critic's value of the actor's own action over Pendulum's (θ, θ̇) plane.

        colour(θ, θ̇) = Q(s, μ(s)),   s = (cos θ, sin θ, θ̇)

    A trained critic is highest near the upright, still pendulum (θ = 0, θ̇ = 0) and along the
    spiral bands from which the actor can swing up; hanging down and spinning fast is worst.

    Args:
        critic: ``critic(obs (batch, 3), action (batch, 1)) -> (batch,)``.
        actor: ``actor(obs (batch, 3)) -> (batch, 1)``.
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.
        n: grid points per axis.

    Returns:
        The Axes; its image holds the ``(n, n)`` values, velocities along rows.
    """
    surface = pendulum_surface(actor, critic, n_angles=n, n_velocities=n)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    extent = (-np.pi, np.pi, -PENDULUM_MAX_SPEED, PENDULUM_MAX_SPEED)
    image = ax.imshow(surface["q_value"], origin="lower", extent=extent, aspect="auto",
                      cmap="viridis")
    ax.figure.colorbar(image, ax=ax, label="Q(s, μ(s))")
    _pendulum_axes(ax)
    ax.set_title(title if title is not None else "critic: value of the actor's action")
    return ax


def plot_policy_map(actor, *, action_low: float, action_high: float, ax: plt.Axes | None = None,
                    title: str | None = None, n: int = 61) -> plt.Axes:
    """Heatmap of the actor's action μ(s) over Pendulum's (θ, θ̇) plane (the torque it applies).

    The colour scale spans the env's action bounds, white at their midpoint, so saturated red
    and blue mean full torque one way or the other.

    Args:
        actor: ``actor(obs (batch, 3)) -> (batch, 1)``.
        action_low, action_high: the env's bounds (``env.action_space.low[0]``, ``.high[0]``).
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.
        n: grid points per axis.

    Returns:
        The Axes; its image holds the ``(n, n)`` actions, velocities along rows.
    """
    surface = pendulum_surface(actor, n_angles=n, n_velocities=n)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 4))
    extent = (-np.pi, np.pi, -PENDULUM_MAX_SPEED, PENDULUM_MAX_SPEED)
    image = ax.imshow(surface["action"], origin="lower", extent=extent, aspect="auto",
                      cmap="coolwarm", vmin=action_low, vmax=action_high)
    ax.figure.colorbar(image, ax=ax, label="action μ(s) (torque)")
    _pendulum_axes(ax)
    ax.set_title(title if title is not None else "actor: policy map")
    return ax


def critic_slice(critic, obs, actions: np.ndarray) -> np.ndarray:
    """Q(s, a) for one state s and a 1-d grid of actions.

    Args:
        critic: ``critic(obs (batch, obs_dim), action (batch, 1)) -> (batch,)``.
        obs: one observation ``(obs_dim,)``.
        actions: ``(n_actions,)`` values of the (one-dimensional) action.

    Returns:
        ``(n_actions,)`` values.
    """
    import torch

    actions = np.asarray(actions, dtype=np.float32).reshape(-1, 1)  # (n_actions, 1)
    obs = np.tile(np.asarray(obs, dtype=np.float32).reshape(1, -1), (len(actions), 1))  # (n_actions, obs_dim)
    with torch.no_grad():
        q_values = critic(torch.as_tensor(obs), torch.as_tensor(actions))  # (n_actions,)
    return q_values.reshape(-1).numpy().astype(float)


def plot_critic_slice(critic, actor, obs, *, action_low: float, action_high: float,
                      action: float | None = None, best_action: float | None = None,
                      ax: plt.Axes | None = None, title: str | None = None,
                      n: int = 201) -> plt.Axes:
    """Q(s, a) against the action a for one state s, with the actor's choice μ(s) marked.

    This is the picture behind the deterministic policy gradient: the actor does not search
    this curve for its maximum (an argmax), it moves μ(s) uphill along ∂Q/∂a.

    Args:
        critic: ``critic(obs (batch, obs_dim), action (batch, 1)) -> (batch,)``.
        actor: ``actor(obs (batch, obs_dim)) -> (batch, 1)``.
        obs: one observation ``(obs_dim,)``.
        action_low, action_high: the range of actions drawn (the env's bounds).
        action: a chosen action to mark with its value (the explorer's slider), or None.
        best_action: the known best action to mark (toy problems), or None.
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.
        n: points along the action axis.

    Returns:
        The Axes; the curve is the line with gid ``"q_curve"``, the actor's choice the line
        with gid ``"actor_action"``.
    """
    actions = np.linspace(action_low, action_high, n)
    q_values = critic_slice(critic, obs, actions)
    actor_action, actor_q = _evaluate_actor_critic(actor, critic, np.asarray(obs)[None])
    actor_action, actor_q = float(actor_action[0, 0]), float(actor_q[0])
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(actions, q_values, color="C0", label="Q(s, a)", gid="q_curve")
    ax.axvline(actor_action, color="C3", gid="actor_action",
               label=f"actor μ(s) = {actor_action:.2f}, Q = {actor_q:.2f}")
    ax.plot([actor_action], [actor_q], "o", color="C3")
    if best_action is not None:
        ax.axvline(best_action, color="black", linestyle="--", linewidth=1,
                   label=f"best action a*(s) = {best_action:.2f}")
    if action is not None:
        q_action = float(critic_slice(critic, obs, [action])[0])
        ax.plot([action], [q_action], "s", color="C2", markersize=8,
                label=f"a = {action:.2f}: Q(s, a) = {q_action:.2f}")
    ax.set_xlabel("action a")
    ax.set_ylabel("Q(s, a)")
    ax.set_xlim(action_low, action_high)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax


def plot_actor_climb(states: np.ndarray, best_actions: np.ndarray,
                     snapshots: list[tuple[int, np.ndarray]], *, ax: plt.Axes | None = None,
                     title: str | None = None) -> plt.Axes:
    """The actor's actions μ(s) at several training iterations against the best action a*(s).

    Args:
        states: ``(n_states,)`` one-dimensional states on the x axis.
        best_actions: ``(n_states,)`` the known best action a*(s) at each state.
        snapshots: ``(iteration, actions (n_states,))`` pairs, earliest first.
        ax: the Axes to draw on; a new figure is made when None.
        title: the Axes title.

    Returns:
        The Axes; the best action is the line with gid ``"best_action"``, one line per snapshot
        labelled ``"iteration N"``, from light (early) to dark (late).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.plot(states, best_actions, color="black", linewidth=3, label="best action a*(s)",
            gid="best_action")
    colors = plt.cm.viridis(np.linspace(0.9, 0.1, max(len(snapshots), 1)))
    for color, (iteration, actions) in zip(colors, snapshots):
        ax.plot(states, actions, color=color, label=f"iteration {iteration}")
    ax.set_xlabel("state s")
    ax.set_ylabel("action")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    if title is not None:
        ax.set_title(title)
    return ax
