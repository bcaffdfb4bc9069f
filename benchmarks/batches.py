"""Every seed of a benchmark at once: a per-seed function run on worker processes, timed whole.

Used by ``bench_dqn.py --workers N`` and ``bench_ddpg.py --workers N``: ours through
:func:`rlcourse.sweep.train_seeds`, as a learner's sweep runs, and Stable-Baselines3's per-seed
function on a pool of spawned processes. The scripts
put this folder on ``sys.path``, which spawned workers inherit, so that a worker can import the
script's function by the name it was pickled under, also when a test loaded the script by path.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import threading
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

import torch


def workers_argument(text: str) -> int:
    """``--workers N``: a whole number >= 1 (argparse names the flag in front of the message)."""
    try:
        workers = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number; give the worker "
                                         "processes to run the seeds on, e.g. --workers 2") from None
    if workers < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (the worker processes to run the "
                                         f"seeds on, e.g. --workers 2), got {workers}")
    return workers


def _init_worker() -> None:
    """A worker: one torch thread, no progress bars, Ctrl-C left to the parent."""
    os.environ["RLCOURSE_PROGRESS"] = "0"
    torch.set_num_threads(1)
    # inside a worker, Ctrl-C would end one run half-way; the parent stops them all instead
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a parent killed outright leaves no worker training for nobody
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: Any) -> None:
    parent.join()  # returns when the parent process has ended, however it ended
    os._exit(1)


def run_seeds_at_once(function: Callable[..., Any], seeds: list[int], workers: int,
                      **kwargs: Any) -> tuple[float, list[Any]]:
    """``function(seed, **kwargs)`` for every seed at once on ``workers`` spawned processes of one
    torch thread each. Returns the wall time from starting the pool to the last seed's result,
    and the results in seed order. Ctrl-C (or a seed that raises) stops every worker."""
    futures: list[Future] = []
    start = time.perf_counter()
    # spawn, not fork: a forked child inherits torch's thread pool in whatever state it is in
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker)
    try:
        futures = [pool.submit(function, seed, **kwargs) for seed in seeds]
        results = [future.result() for future in futures]
        wall = time.perf_counter() - start
    except BaseException:  # Ctrl-C above all: no worker may go on training after it
        for future in futures:
            future.cancel()
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:  # the pool has no public call that stops running work
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=10)
        raise
    pool.shutdown()
    return wall, results


def train_seeds_at_once(algo: str, env_id: str, seeds: list[int], workers: int,
                        overrides: list[str] | None = None
                        ) -> tuple[float, list[tuple[int, dict[str, Any]]], list[Any], bool]:
    """Every seed of ours at once through :func:`rlcourse.sweep.train_seeds` on ``workers``
    processes (one torch thread each), into a temporary folder. Returns the wall time of the call
    (it includes starting the workers and train_seeds' summary and figure), ``(seed,``
    :func:`sweep_fields` ``)`` of each finished run in seed order, the runs that did not finish,
    and whether Ctrl-C stopped it."""
    from rlcourse.sweep import shutdown_workers, train_seeds

    with tempfile.TemporaryDirectory(prefix=f"bench-{algo}-") as scratch:
        start = time.perf_counter()
        sweep = train_seeds(algo, env_id, seeds, out=Path(scratch) / "sweep", overrides=overrides,
                            workers=workers, progress=False)
        wall = time.perf_counter() - start
        # train_seeds keeps its workers for the next sweep; idle, they would only hold memory
        # while SB3's batch runs
        shutdown_workers()
        runs = sorted(sweep.runs, key=lambda run: run.seed)
        finished = [(run.seed, sweep_fields(run)) for run in runs if run.status == "finished"]
        return wall, finished, [run for run in runs if run.status != "finished"], sweep.interrupted


def sweep_fields(run: Any) -> dict[str, Any]:
    """What a finished run of train_seeds keeps of what the benchmarks record: ``eval.json`` (the
    final agent on the held-out episodes, the first solve's step, the training clock),
    ``metrics.csv`` (the periodic evaluations) and the final checkpoint (its step). train_seeds
    keeps neither the training clock at each evaluation nor a run's own wall time: the batch's wall
    time is the measure."""
    from rlcourse.checkpoints import read_meta
    from rlcourse.runs import Metrics

    return {"steps": read_meta(run.run_dir / "model")["step"],
            "first_solved_step": run.record["first_solved_step"],
            "final_return": run.record["mean_return"], "train_seconds": run.record["train_seconds"],
            "evals": Metrics.from_csv(run.run_dir / "metrics.csv").column("eval_mean_return")}


def end_if_unfinished(record: dict[str, Any], out: Path, unfinished: list[Any],
                      interrupted: bool) -> int | None:
    """After ours' batch: ``None`` when every seed finished. Otherwise the runs that did not are
    added to ``record`` (written to ``out``, the finished seeds kept, marked incomplete) and
    printed, and the exit status is returned: 130 after Ctrl-C, 1 after a failed seed."""
    if not (interrupted or unfinished):
        return None
    from rlcourse.runs import write_json

    record["ours_unfinished"] = {run.seed: f"{run.status}: {run.error}" for run in unfinished}
    write_json(out, record)
    for run in unfinished:
        print(f"ours  seed {run.seed} {run.status}: {run.error}")
    print(f"{'Interrupted' if interrupted else 'A seed of ours did not finish'}: no batch wall "
          f"time to compare; the finished seeds are in {out}")
    return 130 if interrupted else 1
