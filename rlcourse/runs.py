"""Run directories, metrics, config overrides and interrupts (shared by every algorithm).

A training run writes into one directory (the contract of ``rlcourse train``):

* ``config.json``: every hyperparameter used, plus env id, algorithm, seed and library versions;
* ``metrics.csv``: one row per episode and per periodic evaluation, with at least the columns
  ``step, episode, episode_return, eval_mean_return`` (empty where a row has no such value);
* ``eval.json``: ``env_id, algo, seed, episodes, returns, mean_return, std_return,
  first_solved_step, train_seconds``;
* the trained model (each algorithm saves its own, see :mod:`rlcourse.checkpoints`).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import numbers
import platform
from importlib.metadata import PackageNotFoundError, version
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, TypeVar, get_args, get_type_hints

from rlcourse.i18n import _

METRIC_COLUMNS = ("step", "episode", "episode_return", "eval_mean_return")

ConfigT = TypeVar("ConfigT")


def check_range(name: str, value: float, low: float | None = None, high: float | None = None, *,
                low_open: bool = False, high_open: bool = False) -> None:
    """Raise ``ValueError`` naming ``name`` and its allowed range if ``value`` falls outside it.

    Config dataclasses call this from ``__post_init__`` so a bad value fails when it is set,
    not twenty thousand steps into training.
    """
    bad = isinstance(value, float) and not math.isfinite(value)
    if low is not None:
        bad = bad or (value <= low if low_open else value < low)
    if high is not None:
        bad = bad or (value >= high if high_open else value > high)
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(_("{name} must be in {interval}, got {value}").format(
            name=name, interval=f"{left}{lo}, {hi}{right}", value=repr(value)))


def _parse_value(text: str, current: Any, name: str, hint: Any = None) -> Any:
    """Turn the text of ``--set key=value`` into the type of the field's current value (or, for a
    field that is None now, the type its annotation ``X | None`` names); ``none`` sets an
    optional field to None."""
    optional = hint is not None and type(None) in get_args(hint)
    if optional and text.strip().lower() == "none":
        return None
    if current is None and optional:
        kind = next(arg for arg in get_args(hint) if arg is not type(None))
        if kind in (bool, int, float):
            current = kind()  # parse as that type below
    try:
        if isinstance(current, bool):
            lowered = text.strip().lower()
            if lowered not in {"true", "false", "1", "0", "yes", "no"}:
                raise ValueError
            return lowered in {"true", "1", "yes"}
        if isinstance(current, int):
            return int(float(text)) if float(text).is_integer() else int(text)
        if isinstance(current, float):
            return float(text)
        if isinstance(current, tuple):
            parts = [p for p in text.replace("(", "").replace(")", "").split(",") if p.strip()]
            kind = type(current[0]) if current else int
            return tuple(kind(p) for p in parts)
        if current is None:
            return None if text.lower() == "none" else text
        return type(current)(text)
    except ValueError:
        kind = type(current).__name__
        raise ValueError(_("--set {name}={text}: expected a value of type {kind}").format(
            name=name, text=text, kind=kind)) from None


def apply_overrides(config: ConfigT, overrides: list[str] | dict[str, Any] | None) -> ConfigT:
    """Return a copy of a config dataclass with ``key=value`` overrides applied (and validated).

    Args:
        config: a dataclass instance (its ``__post_init__`` validates the result).
        overrides: ``["lr=1e-3", "gamma=0.98"]`` as on the command line, or a dict.

    Raises:
        ValueError: an unknown key (the message lists the valid ones), a value of the wrong
            type, or a value outside its allowed range.
    """
    if not overrides:
        return config
    fields = {f.name for f in dataclasses.fields(config)}
    hints = get_type_hints(type(config))
    pairs: dict[str, Any] = {}
    items = overrides.items() if isinstance(overrides, dict) else (
        _split_pair(text) for text in overrides)
    for key, value in items:
        if key not in fields:
            raise ValueError(_("unknown hyperparameter {key} for {config}; valid keys: {keys}").format(
                key=repr(key), config=type(config).__name__, keys=", ".join(sorted(fields))))
        current = getattr(config, key)
        pairs[key] = (_parse_value(value, current, key, hints.get(key)) if isinstance(value, str)
                      else value)
    return dataclasses.replace(config, **pairs)


def _split_pair(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise ValueError(_("--set expects key=value, got {text}").format(text=repr(text)))
    key, value = text.split("=", 1)
    return key.strip(), value.strip()


def library_versions() -> dict[str, str]:
    """Versions of the stack, recorded in every ``config.json``."""
    import gymnasium
    import numpy
    import torch

    try:  # the installed distribution's version (importing the package root would import upwards)
        rlcourse_version = version("rlcourse")
    except PackageNotFoundError:  # run from a source tree that was never installed
        rlcourse_version = "not installed"
    return {"rlcourse": rlcourse_version, "python": platform.python_version(),
            "torch": torch.__version__, "gymnasium": gymnasium.__version__,
            "numpy": numpy.__version__}


class Metrics:
    """Rows of ``metrics.csv``, kept in memory during training and written at the end.

    Every row has the columns of :data:`METRIC_COLUMNS`; extra keyword columns are allowed
    (for example ``epsilon`` or ``loss``) and become extra CSV columns.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def log_episode(self, step: int, episode: int, episode_return: float, **extra: Any) -> None:
        self.rows.append({"step": step, "episode": episode,
                          "episode_return": float(episode_return), **extra})

    def log_eval(self, step: int, episode: int, eval_mean_return: float, **extra: Any) -> None:
        self.rows.append({"step": step, "episode": episode,
                          "eval_mean_return": float(eval_mean_return), **extra})

    def column(self, name: str) -> list[tuple[int, float]]:
        """``(step, value)`` pairs of the rows that have ``name``."""
        return [(row["step"], row[name]) for row in self.rows if row.get(name) is not None]

    def first_solved_step(self, threshold: float) -> int | None:
        """Step of the first periodic evaluation whose mean reached ``threshold``, or None."""
        return next((step for step, value in self.column("eval_mean_return") if value >= threshold),
                    None)

    def to_csv(self, path: str | Path) -> None:
        columns = list(METRIC_COLUMNS)
        for row in self.rows:
            columns += [key for key in row if key not in columns]
        with open(path, "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in self.rows:
                writer.writerow({key: _csv_value(row.get(key)) for key in columns})

    @classmethod
    def from_csv(cls, path: str | Path) -> "Metrics":
        metrics = cls()
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                metrics.rows.append({key: _parse_csv_value(value) for key, value in row.items()})
        return metrics

    def __len__(self) -> int:
        return len(self.rows)


def _csv_value(value: Any) -> Any:
    # repr of a float round-trips exactly, so equal runs give byte-identical files; a numpy float
    # (a loss from .item() is a float, but np.mean gives np.float64 and a float32 array's element
    # np.float32) is written as the Python float of the same value: repr(np.float64(0.3)) is
    # "np.float64(0.3)", which would read back as text, and str(np.float32(0.1)) is "0.1", which
    # would read back as another number
    if value is None:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return repr(float(value))
    return value


def _parse_csv_value(text: str) -> Any:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def write_json(path: str | Path, obj: Any) -> None:
    Path(path).write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text())


def config_record(*, algo: str, env_id: str, seed: int, config: Any, **budget: Any) -> dict[str, Any]:
    """The content of ``config.json``: algorithm, env, seed, budget, every hyperparameter, versions."""
    return {"algo": algo, "env_id": env_id, "seed": seed, **budget,
            "hyperparameters": dataclasses.asdict(config), "versions": library_versions()}


def eval_record(*, env_id: str, algo: str, seed: int, result: Any, first_solved_step: int | None,
                train_seconds: float) -> dict[str, Any]:
    """The content of ``eval.json`` from an :class:`rlcourse.envs.EvalResult`."""
    return {"env_id": env_id, "algo": algo, "seed": seed, **result.to_dict(),
            "first_solved_step": first_solved_step, "train_seconds": round(train_seconds, 3)}


class NonFiniteLossError(RuntimeError):
    """A loss became NaN or infinite and training stopped. ``run`` holds the last good agent."""

    def __init__(self, message: str, run: Any) -> None:
        super().__init__(message)
        self.run = run


class Interrupt:
    """Set to true when training was stopped by Ctrl-C / the notebook's stop button."""

    def __init__(self) -> None:
        self.interrupted = False


@contextmanager
def interruptible() -> Iterator[Interrupt]:
    """Turn a KeyboardInterrupt inside the block into a flag, so what was learned survives.

    Training loops wrap their loop in ``with interruptible() as stop:`` and return the agent
    and the metrics gathered so far; the caller sees ``stop.interrupted`` (and a message).
    """
    flag = Interrupt()
    try:
        yield flag
    except KeyboardInterrupt:
        flag.interrupted = True
        print(_("Training interrupted: returning the agent and the metrics gathered so far."))

