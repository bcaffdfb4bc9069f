"""Progress bars for long training: a widget in JupyterLab, text in a terminal (tqdm.auto).

A training loop counts env steps on the bar and shows the latest evaluation return beside it::

    with progress_bar(steps, desc=f"DQN {env_id}", enabled=progress) as bar:
        for step in range(1, steps + 1):
            ...                                  # act, store, learn
            bar.update()
            if step % eval_every == 0:
                show_eval(bar, mean_return)      # "... 12000/50000 [..., eval return=135]"

Switching it off: training functions take ``progress: bool``; False, or the environment variable
``RLCOURSE_PROGRESS=0`` (also ``false``, ``no``, ``off``), gives a stand-in with the same methods
that draws nothing (tests, benchmarks, CI logs).

Notebooks under nbval: ``tqdm.auto`` draws an ipywidgets bar whose stored ``text/plain`` is the
bar as first displayed (``0%| | 0/N``), the same on every run, so the cell needs no ignore tag.
In a terminal the text bar redraws at most every :data:`MIN_INTERVAL_S` seconds, which keeps
logs short; its elapsed times and rates are sanitised by ``tests/nbval_sanitize.cfg`` should
one ever land in a notebook.
"""

from __future__ import annotations

import os
from typing import Any

from rlcourse.i18n import N_, _

#: Values of ``RLCOURSE_PROGRESS`` that switch every bar off.
OFF_VALUES = frozenset({"0", "false", "no", "off"})

#: Shortest time between two redraws of a bar (seconds).
MIN_INTERVAL_S = 0.5

#: The units the course's bars count, shown in the language set with ``rlcourse.set_language``.
UNITS = (N_("step"), N_("episode"))


def progress_enabled(progress: bool) -> bool:
    """True when a bar should be drawn: ``progress`` is set and the environment does not veto it."""
    return bool(progress) and os.environ.get("RLCOURSE_PROGRESS", "1").strip().lower() not in OFF_VALUES


def progress_bar(total: int, *, desc: str = "", unit: str = "step", enabled: bool = True) -> Any:
    """A tqdm bar over ``total`` units, or a stand-in with the same methods when disabled.

    Args:
        total: units to count, e.g. the env steps of the training budget.
        desc: the label in front of the bar, e.g. ``"DQN CartPole-v1"``.
        unit: what one ``update()`` counts.
        enabled: False draws nothing (as does ``RLCOURSE_PROGRESS=0``).

    Returns:
        ``tqdm.auto.tqdm`` (widget in a notebook, text elsewhere) or a silent stand-in; both
        support ``update``, ``set_postfix``, ``set_description``, ``close`` and ``with``.
    """
    if not progress_enabled(enabled):
        return _NoBar(total)
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=_(unit), dynamic_ncols=True, leave=True,
                mininterval=MIN_INTERVAL_S)


def show_eval(bar: Any, mean_return: float) -> None:
    """Show the latest greedy evaluation return beside the bar (4 significant digits)."""
    bar.set_postfix({_("eval return"): f"{mean_return:.4g}"})


class _NoBar:
    """What :func:`progress_bar` returns when switched off: counts, draws nothing."""

    def __init__(self, total: int | None = None) -> None:
        self.total = total
        self.n = 0
        self.postfix: dict[str, Any] = {}

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix(self, ordered_dict: dict[str, Any] | None = None, refresh: bool = True,
                    **kwargs: Any) -> None:
        self.postfix = {**(ordered_dict or {}), **kwargs}

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        pass

    def set_description(self, desc: str | None = None, refresh: bool = True) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> "_NoBar":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()
