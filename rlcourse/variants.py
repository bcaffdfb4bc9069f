"""Variants side by side: the same algorithm, one change at a time, over the same seeds.

An ablation ("DQN without replay", "without a target network", ...) is several sets of
overrides of one algorithm's tuned defaults, each trained on the same seeds.
:func:`rlcourse.sweep.train_seeds` sweeps the product of values of some keys; the variants of an
ablation change different keys, so :func:`train_variants` takes them by name and runs all their
seeds in one pool of worker processes (chapter 04 uses it). Each run goes through the algorithm's
own ``train_run``, exactly as ``rlcourse train --seed N --set ...`` would, and writes its run
directory (``config.json``, ``metrics.csv``, ``eval.json`` with the greedy return on held-out
episodes, the model) under ``out/NAME/seed-N``. Every run seeds everything itself, so its
numbers do not depend on how many workers there are.

Example:
    >>> results = train_variants("dqn", "CartPole-v1",
    ...                          {"DQN": {}, "no target network": {"use_target_network": False}},
    ...                          seeds=range(5), out="runs/ablation", steps=5_000)  # doctest: +SKIP
    >>> [run.record["mean_return"] for run in results["DQN"]]                    # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

from rlcourse.runs import Metrics, apply_overrides
from rlcourse.sweep import (RunResult, RunTask, _check_seeds, _common_overrides, _default_config,
                            _folder_name, _run_in_processes)


def train_variants(algo: str, env_id: str, variants: Mapping[str, Mapping[str, Any]],
                   seeds: Iterable[int], *, out: str | Path, steps: int | None = None,
                   episodes: int | None = None, workers: int = 2,
                   progress: bool = False) -> dict[str, list[RunResult]]:
    """Train every variant on every seed; return each variant's runs in seed order.

    Args:
        algo: ``dqn``, ``ddpg``, ... (see :data:`rlcourse.cli.ALGORITHMS`).
        env_id: a gymnasium id, trained with the tuned defaults of ``algo`` for it.
        variants: name -> overrides of those defaults, as for ``rlcourse train --set``
            (``{}``: the defaults themselves).
        seeds: the seeds every variant trains on.
        out: an empty or new folder; the runs go to ``out/NAME/seed-N``.
        steps, episodes: the budget of each run.
        workers: worker processes (the numbers do not depend on it).
        progress: print one line per finished run.

    Returns:
        Variant name -> :class:`~rlcourse.sweep.RunResult` per seed, in seed order; a finished
        run's ``record`` is its ``eval.json``.

    Raises:
        ValueError: no variants, seeds that repeat or are negative, ``workers`` below 1, an
            override that does not parse or is out of range (named with its variant), or an
            ``out`` folder that already holds runs.
        RuntimeError: a run failed, or Ctrl-C stopped the runs (the message says which).
    """
    if not variants:
        raise ValueError("variants is empty: pass at least one name -> overrides, e.g. {'DQN': {}}")
    seed_list = _check_seeds(list(seeds), seeds)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    folders = [_folder_name(name) for name in variants]
    clash = next((name for name, folder in zip(variants, folders) if folders.count(folder) > 1), None)
    if clash is not None:
        raise ValueError(f"variant names {[n for n, f in zip(variants, folders) if f == _folder_name(clash)]} "
                         "share one folder name; make them differ in letters or digits")
    out = Path(out)
    if out.exists() and any(out.rglob("config.json")):
        raise ValueError(f"out {out} already holds runs; choose a new folder")
    default = _default_config(algo, env_id)
    tasks = []
    for name, overrides in variants.items():
        texts = _common_overrides(dict(overrides))
        try:
            apply_overrides(default, texts)
        except ValueError as error:
            raise ValueError(f"variant {name!r}: {error}") from None
        tasks += [RunTask(algo, env_id, seed, (), tuple(texts.items()), steps, episodes,
                          f"{_folder_name(name)}/seed-{seed}") for seed in seed_list]
    results: dict[str, RunResult] = {}

    def record(task: RunTask, outcome: dict[str, Any]) -> None:
        result = RunResult(task.seed, {}, out / task.rel_dir, outcome["status"],
                           record=outcome.get("record"), error=outcome.get("error"))
        results[task.rel_dir] = result
        if progress:
            where = f"{task.rel_dir}: "
            print(where + (f"greedy held-out return {result.record['mean_return']:.1f}"
                           if result.record else f"{result.status}: {result.error}"), flush=True)

    interrupted = _run_in_processes(tasks, out, workers, record)
    failed = [f"{task.rel_dir} ({results[task.rel_dir].error})" for task in tasks
              if task.rel_dir in results and results[task.rel_dir].status != "finished"]
    if interrupted or failed:
        raise RuntimeError(("interrupted; " if interrupted else "") +
                           (f"runs that failed: {', '.join(failed)}" if failed else
                            "the finished runs are kept") + f" in {out}")
    names = {_folder_name(name): name for name in variants}
    by_variant: dict[str, list[RunResult]] = {name: [] for name in variants}
    for task in tasks:
        by_variant[names[task.rel_dir.split("/")[0]]].append(results[task.rel_dir])
    return by_variant


def metrics_of(runs: list[RunResult]) -> list[Metrics]:
    """The runs' ``metrics.csv``, in their order (for :func:`rlcourse.plotting.plot_learning_curves`)."""
    return [Metrics.from_csv(run.run_dir / "metrics.csv") for run in runs]
