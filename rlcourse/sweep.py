"""Many seeds at once: ``rlcourse train ALGO --env ENV --seeds 0-4 [--set k=v1,v2] --out DIR``.

Every claim of the course is made over seeds (see :mod:`rlcourse.plotting` for the curves). This
module runs one training run per seed and per combination of ``--set`` values, each through the
algorithm's own ``train_run`` (the same entry point as ``rlcourse train --seed N``), and writes::

    DIR/summary.json            what was asked, every run's outcome, per setting the median and
                                interquartile range of the final greedy return, seeds solved and
                                the median training time
    DIR/seeds.png               every seed's learning curve, per setting, with the median
    DIR/seed-0/ ...             one run directory per seed (no --set list: one setting), or
    DIR/lr=1e-3/seed-0/ ...     one folder per setting when a --set key has several values

Where the runs go:

* **worker processes** on this machine (the default): as many as there are cores, one torch
  thread each. A run's ``metrics.csv`` and weights are bit-identical to the same seed trained
  alone, whatever the number of workers: every run seeds everything itself
  (:func:`rlcourse.envs.seed_everything`) and nothing is shared between runs. The workers are
  kept for the next sweep of the same process (starting one costs seconds: a notebook's
  five-seed cells would pay it every cell); they stop when the process exits or dies, or at
  :func:`shutdown_workers`.
* **a Ray cluster** (``ray_address=``, ``--ray ADDRESS`` or :data:`RAY_ADDRESS_ENV`): each run is
  one Ray task of one CPU; it trains into a temporary folder on whichever node runs it and sends
  the files back, so the driver gathers the same folders without a shared file system. Needs the
  optional extra ``pip install 'rlcourse[cluster]'`` here and on the cluster's nodes.

A run that raises is reported in the summary (its traceback in its folder's ``error.txt``) and
the others go on. Ctrl-C stops every worker and keeps the runs finished so far: the summary
marks the others, and ``resume=True`` (``--resume``) runs only those.

Example:
    >>> from rlcourse.sweep import train_seeds
    >>> sweep = train_seeds("qlearning", "FrozenLake-v1", "0-2", out="runs/fl-sweep",
    ...                     settings={"gamma": [0.99, 0.999]}, progress=False)  # doctest: +SKIP
    >>> print(sweep.table())  # doctest: +SKIP
"""

from __future__ import annotations

import atexit
import importlib
import itertools
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import traceback
import unicodedata
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from rlcourse.envs import SOLVED_THRESHOLDS, make_env
from rlcourse.i18n import N_, _
from rlcourse.runs import Metrics, _split_pair, apply_overrides, read_json, write_json

#: Environment variable holding a Ray cluster address; used when ``ray_address`` is not given.
RAY_ADDRESS_ENV = "RLCOURSE_RAY_ADDRESS"

SUMMARY = "summary.json"
FIGURE = "seeds.png"
#: the keys of ``summary.json`` that must match for ``resume`` to reuse a folder's runs
_SPEC_KEYS = ("algo", "env_id", "steps", "episodes", "overrides")


# --- what to run -------------------------------------------------------------------------------


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"0-4"``, ``"0,2,5"`` or ``"0-4,10-14"`` (ranges include both ends).

    Raises:
        ValueError: text that gives no seeds, a part that is not a seed or a range, a range
            that runs backwards, or a seed listed twice.
    """
    if not text.strip():
        raise ValueError(_("--seeds {text} gives no seeds: pass e.g. 0-4 or 0,2,5").format(text=repr(text)))
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise ValueError(_("--seeds {text}: {part} is not a seed or a range; write seeds as "
                               "non-negative integers, e.g. 0-4 or 0,2,5 or 0-4,10-14").format(
                                   text=repr(text), part=repr(part)))
        first, last = int(match[1]), int(match[2] or match[1])
        if last < first:
            raise ValueError(_("--seeds {text}: the range {part} gives no seeds (write {last}-{first})").format(
                text=repr(text), part=part, last=last, first=first))
        seeds += range(first, last + 1)
    return _check_seeds(seeds, text)


def _check_seeds(seeds: list[int], text: Any) -> list[int]:
    if not seeds:
        raise ValueError(_("--seeds {text} gives no seeds: pass e.g. 0-4 or 0,2,5").format(text=repr(text)))
    seen: set[int] = set()
    for seed in seeds:
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
            raise ValueError(_("seeds must be non-negative integers, got {seed}").format(seed=repr(seed)))
        if seed in seen:
            raise ValueError(_("--seeds {text} lists seed {seed} twice: each seed runs once").format(
                text=repr(text), seed=seed))
        seen.add(seed)
    return [int(seed) for seed in seeds]


def split_values(key: str, text: str, current: Any) -> list[str]:
    """The values of ``--set key=v1,v2,...`` as texts.

    A field that holds a tuple (``hidden``) takes one tuple without parentheses, as in
    ``rlcourse train --set hidden=64,64``; several tuples are written in parentheses:
    ``hidden=(64,64),(256,256)``.
    """
    if isinstance(current, tuple) and "(" not in text:
        return [text]
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):  # commas inside parentheses belong to a tuple
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    values = [part.strip() for part in parts]
    if any(not value for value in values):
        raise ValueError(_("--set {key}={text}: an empty value; separate values with commas, "
                           "e.g. {key}=a,b").format(key=key, text=text))
    return values


def parse_set_lists(algo: str, env_id: str,
                    texts: list[str]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Split a sweep's ``--set`` arguments into the keys to sweep (several values) and the
    overrides common to every run (one value); see :func:`split_values`."""
    default = _default_config(algo, env_id)
    settings: dict[str, list[str]] = {}
    common: dict[str, str] = {}
    for text in texts:
        key, value = _split_pair(text)
        if key in settings or key in common:
            raise ValueError(_("--set {key} is given twice; list its values once: {key}=a,b").format(key=key))
        values = split_values(key, value, getattr(default, key, None))
        if len(values) > 1:
            settings[key] = values
        else:
            common[key] = values[0]
    return settings, common


def _default_config(algo: str, env_id: str) -> Any:
    return importlib.import_module(_algorithms()[algo]).default_config(env_id)


@dataclass(frozen=True)
class RunTask:
    """One run of a sweep: what a worker needs to call ``train_run`` (picklable)."""

    algo: str
    env_id: str
    seed: int
    #: the values of the swept keys, as texts: ``{"lr": "1e-3"}`` (empty with one setting)
    setting: tuple[tuple[str, str], ...]
    #: every ``--set`` override of this run as ``key, text``, common ones and swept ones
    overrides: tuple[tuple[str, str], ...]
    steps: int | None
    episodes: int | None
    #: run directory relative to the sweep's folder, e.g. ``lr=1e-3/seed-0``
    rel_dir: str

    @property
    def label(self) -> str:
        return setting_label(dict(self.setting))


def setting_label(setting: Mapping[str, str]) -> str:
    """``lr=1e-3+gamma=0.98``; ``defaults`` for a sweep with one setting."""
    return "+".join(f"{key}={value}" for key, value in setting.items()) or "defaults"


def _value_text(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ",".join(str(v) for v in value) + ")"
    return str(value)


def _folder_name(label: str) -> str:
    # anything a file system or a shell could trip on becomes "_"
    return re.sub(r"[^A-Za-z0-9._=+(),-]", "_", label)


@dataclass
class RunResult:
    """The outcome of one run of a sweep."""

    seed: int
    setting: dict[str, str]
    #: the run directory
    run_dir: Path
    #: ``finished`` (``record`` holds its ``eval.json``), ``failed`` (``error`` says why) or
    #: ``interrupted`` (stopped by Ctrl-C, or never started)
    status: str
    record: dict[str, Any] | None = None
    error: str | None = None

    @property
    def label(self) -> str:
        return setting_label(self.setting)


@dataclass
class SweepResult:
    """What :func:`train_seeds` returns: every run, the summary written to ``summary.json``."""

    out: Path
    runs: list[RunResult]
    summary: dict[str, Any]
    interrupted: bool = False

    def table(self) -> str:
        """The summary as a text table, one line per setting."""
        return summary_table(self.summary)

    def metrics(self) -> dict[str, list[Metrics]]:
        """Setting label -> the finished runs' metrics, in seed order (for
        :func:`rlcourse.plotting.plot_learning_curves`)."""
        curves: dict[str, list[Metrics]] = {}
        for run in sorted(self.runs, key=lambda r: r.seed):
            if run.status == "finished":
                curves.setdefault(run.label, []).append(Metrics.from_csv(run.run_dir / "metrics.csv"))
        return curves


# --- the entry point -----------------------------------------------------------------------------


def train_seeds(algo: str, env_id: str, seeds: str | Iterable[int], *, out: str | Path,
                settings: Mapping[str, Sequence[Any]] | None = None,
                overrides: list[str] | Mapping[str, Any] | None = None,
                steps: int | None = None, episodes: int | None = None,
                workers: int | None = None, resume: bool = False,
                ray_address: str | None = None, progress: bool = True) -> SweepResult:
    """Train ``algo`` on ``env_id`` once per seed and per setting; write the runs and a summary.

    Args:
        algo: ``qlearning``, ``sarsa``, ``dqn`` or ``ddpg`` (see :data:`rlcourse.cli.ALGORITHMS`).
        env_id: a gymnasium id, trained with the tuned defaults of ``algo`` for it.
        seeds: ``"0-4"`` / ``"0,2,5"``, or integers.
        out: the sweep's folder (see the module docstring for its layout).
        settings: keys to sweep, each with its values: ``{"lr": [1e-3, 5e-4]}``; every
            combination of the values is one setting, trained on every seed.
        overrides: hyperparameters common to every run, as for ``rlcourse train --set``.
        steps, episodes: the budget of each run, as for ``rlcourse train``.
        workers: worker processes on this machine (default: one per core, at most one per run).
            On Ray, the most runs in flight at once (default: as many as the cluster takes).
        resume: ``out`` already holds this sweep: run only the runs that did not finish.
        ray_address: a Ray cluster (``"10.0.0.5:6379"``, ``"ray://host:10001"``, ``"auto"``);
            None reads :data:`RAY_ADDRESS_ENV`; unset or empty: worker processes here.
        progress: print one line per finished run, then the summary table.

    Returns:
        A :class:`SweepResult`; ``interrupted`` is True after Ctrl-C.

    Raises:
        ValueError: bad input, found before any run starts: seeds that parse to nothing or
            repeat, ``workers`` below 1, a swept value that does not parse or is out of range
            for its field, an unknown env id, an ``out`` folder with runs (without ``resume``)
            or with another sweep's runs, an unreachable Ray address or Ray not installed.
    """
    if algo not in _algorithms():
        raise ValueError(_("unknown algorithm {algo}; choose one of {choices}").format(
            algo=repr(algo), choices=", ".join(sorted(_algorithms()))))
    seed_list = parse_seeds(seeds) if isinstance(seeds, str) else _check_seeds(list(seeds), seeds)
    if workers is not None and workers < 1:
        raise ValueError(_("--workers must be at least 1, got {workers}").format(workers=workers))
    make_env(env_id).close()  # an unknown id fails here, with the ids it resembles
    common = _common_overrides(overrides)
    tasks = _tasks(algo, env_id, seed_list, settings or {}, common, steps, episodes)
    out = Path(out)
    swept = {key: [_value_text(value) for value in values]
             for key, values in (settings or {}).items()}
    spec = {"algo": algo, "env_id": env_id, "steps": steps, "episodes": episodes,
            "overrides": common, "seeds": seed_list, "settings": swept,
            "threshold": SOLVED_THRESHOLDS.get(env_id)}
    done = _finished_runs(out, tasks, spec, resume)
    address = os.environ.get(RAY_ADDRESS_ENV, "") if ray_address is None else ray_address
    ray, connected = _connect_ray(address) if address else (None, False)  # before any run

    results = {task.rel_dir: done.get(task.rel_dir) or RunResult(
        task.seed, dict(task.setting), out / task.rel_dir, "interrupted", error="not started")
        for task in tasks}
    pending = [task for task in tasks if task.rel_dir not in done]
    if resume:  # a run stopped half-way left a folder: it starts again from nothing
        for task in pending:
            shutil.rmtree(out / task.rel_dir, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    _write_summary(out, spec, list(results.values()), state="running")
    finished_count = len(tasks) - len(pending)

    def record(task: RunTask, outcome: dict[str, Any]) -> None:
        nonlocal finished_count
        finished_count += 1
        result = RunResult(task.seed, dict(task.setting), out / task.rel_dir, outcome["status"],
                           record=outcome.get("record"), error=outcome.get("error"))
        results[task.rel_dir] = result
        _write_summary(out, spec, list(results.values()), state="running")
        if progress:
            print(f"[{finished_count}/{len(tasks)}] "
                  f"{_run_line(result, spec['threshold'], spec['overrides'])}",
                  flush=True)

    if ray is not None:
        interrupted = _run_on_ray(ray, pending, out, workers, record, disconnect=connected)
    else:
        interrupted = _run_in_processes(pending, out, workers or _cores(), record)
    summary = _write_summary(out, spec, list(results.values()),
                             state="interrupted" if interrupted else "complete")
    sweep = SweepResult(out, list(results.values()), summary, interrupted)
    _write_figure(sweep, spec["threshold"])
    if progress:
        print(sweep.table())
        if interrupted:
            print(_("Interrupted: the finished runs are kept in {out}; run again with --resume "
                    "(resume=True) to train only the others.").format(out=out))
    return sweep


def _algorithms() -> dict[str, str]:
    from rlcourse.cli import ALGORITHMS

    return ALGORITHMS


def _common_overrides(overrides: list[str] | Mapping[str, Any] | None) -> dict[str, Any]:
    if not overrides:
        return {}
    pairs = overrides.items() if isinstance(overrides, Mapping) else map(_split_pair, overrides)
    return {key: _value_text(value) for key, value in pairs}


def _tasks(algo: str, env_id: str, seeds: list[int], settings: Mapping[str, Sequence[Any]],
           common: dict[str, str], steps: int | None, episodes: int | None) -> list[RunTask]:
    """Every (seed, setting) run; each setting's config is built here, so a bad value fails
    before any run starts."""
    # every value as its text, parsed by apply_overrides as --set parses it: Python callers and
    # the command line get the same validation and the same runs
    swept: dict[str, list[str]] = {}
    for key, values in settings.items():
        if key in common:
            raise ValueError(_("--set {key} is given both as a list to sweep and as one value; "
                               "give it once").format(key=key))
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(_("settings[{key}] must be a non-empty list of values, got {values}").format(
                key=repr(key), values=repr(values)))
        swept[key] = [_value_text(value) for value in values]
        repeated = next((t for i, t in enumerate(swept[key]) if t in swept[key][:i]), None)
        if repeated is not None:
            raise ValueError(_("--set {key}: the value {value} is listed twice").format(key=key, value=repeated))
    default = _default_config(algo, env_id)
    apply_overrides(default, common)  # a bad common value is reported without a setting's name
    combos = [dict(zip(swept, values)) for values in itertools.product(*swept.values())]
    for combo in combos:
        try:
            apply_overrides(default, {**common, **combo})
        except ValueError as error:
            raise ValueError(_("setting {setting}: {error}").format(setting=setting_label(combo),
                                                                   error=error)) from None
    tasks = []
    for seed in seeds:  # seeds outside: an interrupted sweep has the same seeds in every setting
        for combo in combos:
            folder = _folder_name(setting_label(combo)) + "/" if swept else ""
            tasks.append(RunTask(algo, env_id, seed, tuple(combo.items()),
                                 tuple({**common, **combo}.items()), steps, episodes,
                                 f"{folder}seed-{seed}"))
    return tasks


def _finished_runs(out: Path, tasks: list[RunTask], spec: dict[str, Any],
                   resume: bool) -> dict[str, RunResult]:
    """The runs of ``out`` that finished (for ``resume``); refuse an ``out`` that holds runs
    otherwise, or that holds another sweep."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise ValueError(_("--out {out} is a file; choose a folder").format(out=out))
    holds_runs = (out / SUMMARY).is_file() or any(out.rglob("config.json"))
    if not holds_runs:
        return {}
    if not resume:
        raise ValueError(_("--out {out} already holds runs; pass --resume (resume=True) to train "
                           "only the missing ones, or choose another folder").format(out=out))
    if not (out / SUMMARY).is_file():
        raise ValueError(_("--out {out} holds runs but no {summary}: it was not written by a "
                           "sweep; choose another folder").format(out=out, summary=SUMMARY))
    stored = read_json(out / SUMMARY)
    for key in _SPEC_KEYS:
        if stored.get(key) != spec[key]:
            raise ValueError(_("--resume: {out} holds a sweep with {key}={stored}, this one has "
                               "{key}={asked}; use the same arguments or another --out").format(
                                   out=out, key=key, stored=repr(stored.get(key)), asked=repr(spec[key])))
    done = {}
    for task in tasks:
        record = _finished_record(out / task.rel_dir)
        if record is not None:
            done[task.rel_dir] = RunResult(task.seed, dict(task.setting), out / task.rel_dir,
                                           "finished", record=record)
    return done


def _finished_record(run_dir: Path) -> dict[str, Any] | None:
    """The run's ``eval.json`` if the run finished: ``train_run`` writes it last."""
    try:
        record = read_json(run_dir / "eval.json")
    except (FileNotFoundError, json.JSONDecodeError):  # never got there, or killed mid-write
        return None
    return record if isinstance(record, dict) and "mean_return" in record else None


# --- running: worker processes -------------------------------------------------------------------


def _cores() -> int:
    """Cores this process may use (a container's or a batch job's share, not the machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS has no affinity call


def _init_worker() -> None:
    import torch

    # Ctrl-C is the parent's to handle: inside a worker it would end train_run's loop early and
    # let it write a finished-looking run (training loops turn KeyboardInterrupt into a stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # every worker is one core's worth; more threads per run would only fight over the cores
    torch.set_num_threads(1)
    # the workers outlive a sweep (see _worker_pool), so one must not outlive its parent: a
    # notebook kernel killed by a restart never runs the shutdown, and its idle workers would
    # wait for work for ever
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: Any) -> None:
    parent.join()  # returns when the parent process has ended, however it ended
    os._exit(1)


#: worker pools kept from one sweep to the next in this process, by number of workers: starting a
#: worker (a fresh interpreter importing torch and gymnasium) and stopping it cost seconds, as
#: much as a short run, and a notebook that trains five seeds per cell would pay them every cell
_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _worker_pool(workers: int) -> ProcessPoolExecutor:
    with _pools_lock:
        pool = _pools.get(workers)
        if pool is None:
            # spawn, not fork: a forked child inherits torch's thread pool in whatever state it is in
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_worker)
            _pools[workers] = pool
        return pool


def _discard_pool(workers: int, *, terminate: bool) -> None:
    with _pools_lock:
        pool = _pools.pop(workers, None)
    if pool is None:
        return
    if terminate:  # the pool has no public call that stops running work: end its processes
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
    pool.shutdown(wait=not terminate, cancel_futures=True)


def shutdown_workers() -> None:
    """Stop the worker processes that :func:`train_seeds` keeps between sweeps.

    They stop by themselves when this process exits (or dies); call this to give their memory
    back sooner, for example in a notebook after its last sweep.
    """
    for workers in list(_pools):
        _discard_pool(workers, terminate=False)


atexit.register(shutdown_workers)


def run_task(task: RunTask, out: str | Path) -> dict[str, Any]:
    """Train one run of a sweep into ``out / task.rel_dir`` and say how it went (never raises an
    ``Exception``: a failed run is an outcome, with its traceback in the folder's ``error.txt``)."""
    run_dir = Path(out) / task.rel_dir
    module = importlib.import_module(_algorithms()[task.algo])
    try:
        record = module.train_run(task.algo, task.env_id, seed=task.seed, steps=task.steps,
                                  episodes=task.episodes, out=run_dir,
                                  overrides=dict(task.overrides), progress=False)
    except Exception as error:  # reported in the summary; the other runs go on
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "error.txt").write_text(traceback.format_exc())
        return {"status": "failed", "error": f"{type(error).__name__}: {error}"}
    return {"status": "finished", "record": record}


def _run_in_processes(tasks: list[RunTask], out: Path, workers: int,
                      record: Callable[[RunTask, dict[str, Any]], None]) -> bool:
    """Run ``tasks`` on ``workers`` processes; True if Ctrl-C stopped them."""
    if not tasks:
        return False
    # a pool of the same size from an earlier sweep is reused: every run seeds everything itself,
    # so a worker's earlier runs change nothing in its next one (tested)
    pool = _worker_pool(workers)
    try:
        futures = {pool.submit(run_task, task, out): task for task in tasks}
    except BrokenProcessPool:  # a worker of an earlier sweep died since: start afresh
        _discard_pool(workers, terminate=True)
        pool = _worker_pool(workers)
        futures = {pool.submit(run_task, task, out): task for task in tasks}
    broken = False
    try:
        for future in as_completed(futures):
            try:
                outcome = future.result()
            except BrokenProcessPool:  # a worker was killed (out of memory, a signal)
                broken = True
                outcome = {"status": "failed", "error": _("its worker process died "
                           "(out of memory, or killed); the other runs of that moment too")}
            record(futures[future], outcome)
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        _discard_pool(workers, terminate=True)  # stops the runs in flight
        return True
    if broken:
        _discard_pool(workers, terminate=True)
    return False


# --- running: Ray ---------------------------------------------------------------------------------


def _connect_ray(address: str) -> tuple[Any, bool]:
    """``import ray`` and connect to ``address``, or say in one line why not. Returns the module
    and whether this call connected (and so should disconnect at the end)."""
    try:
        import ray
    except ImportError:
        raise ValueError(_("a Ray address was given ({address}) but Ray is not installed: "
                           "pip install 'rlcourse[cluster]', or unset --ray / {variable} to run "
                           "here").format(address=repr(address), variable=RAY_ADDRESS_ENV)) from None
    if ray.is_initialized():  # a notebook that connected already
        return ray, False
    host_port = re.fullmatch(r"(?:ray://)?\[?([^\]\s]+?)\]?:(\d+)", address)
    if host_port:  # fail in seconds, not after Ray's own minute of retries
        try:
            socket.create_connection((host_port[1], int(host_port[2])), timeout=5).close()
        except OSError as error:
            raise ValueError(_("cannot reach a Ray cluster at {address} ({error}); start one with "
                               "`ray start --head` or check the address").format(
                                   address=address, error=error.strerror or error)) from None
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        first_line = (str(error).strip() or type(error).__name__).splitlines()[0]
        raise ValueError(_("cannot connect to the Ray cluster at {address}: {error}").format(
            address=address, error=first_line)) from None
    return ray, True


def _run_remote(task: RunTask) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A run on a Ray node: train into a temporary folder, return the outcome and its files."""
    import torch

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="rlcourse-") as scratch:
        outcome = run_task(task, scratch)
        run_dir = Path(scratch) / task.rel_dir
        files = {str(path.relative_to(run_dir)): path.read_bytes()
                 for path in sorted(run_dir.rglob("*")) if path.is_file()}
    return outcome, files


def _run_on_ray(ray: Any, tasks: list[RunTask], out: Path, workers: int | None,
                record: Callable[[RunTask, dict[str, Any]], None], disconnect: bool) -> bool:
    """Send each task to the cluster as a Ray task; write the files it returns. True if Ctrl-C."""
    remote = ray.remote(num_cpus=1, max_retries=0)(_run_remote)
    waiting = list(tasks)
    in_flight: dict[Any, RunTask] = {}
    try:
        while waiting or in_flight:
            while waiting and (workers is None or len(in_flight) < workers):
                task = waiting.pop(0)
                in_flight[remote.remote(task)] = task
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            task = in_flight.pop(ready[0])
            try:
                outcome, files = ray.get(ready[0])
            except ray.exceptions.RayError as error:  # the task's worker or node died
                outcome, files = {"status": "failed", "error": f"Ray: {type(error).__name__}: "
                                  f"{str(error).strip().splitlines()[0]}"}, {}
            for name, data in files.items():
                path = out / task.rel_dir / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            record(task, outcome)
        return False
    except KeyboardInterrupt:
        for ref in in_flight:
            ray.cancel(ref, force=True)
        return True
    finally:
        if disconnect:
            ray.shutdown()


# --- the summary ----------------------------------------------------------------------------------


def _write_summary(out: Path, spec: dict[str, Any], runs: list[RunResult], *,
                   state: str) -> dict[str, Any]:
    """Write ``summary.json``; ``state`` is ``running`` (rewritten after every run),
    ``complete`` or ``interrupted``."""
    threshold = spec["threshold"]
    by_setting: dict[str, list[RunResult]] = {}
    for run in runs:
        by_setting.setdefault(run.label, []).append(run)
    summary = {**spec, "state": state,
               "by_setting": [_setting_summary(label, group, threshold)
                              for label, group in by_setting.items()],
               "runs": [_run_summary(run, out) for run in runs]}
    # written whole, then renamed: a sweep killed mid-write keeps the previous summary
    partial = out / (SUMMARY + ".tmp")
    write_json(partial, summary)
    partial.replace(out / SUMMARY)
    return summary


def _setting_summary(label: str, runs: list[RunResult], threshold: float | None) -> dict[str, Any]:
    finished = [run.record for run in runs if run.status == "finished"]
    returns = np.array([record["mean_return"] for record in finished], dtype=float)
    seconds = [record["train_seconds"] for record in finished]
    quartiles = np.percentile(returns, [25, 50, 75]) if finished else [None] * 3
    return {"setting": runs[0].setting, "label": label, "runs": len(runs),
            "finished": len(finished),
            "failed": sum(run.status == "failed" for run in runs),
            "interrupted": sum(run.status == "interrupted" for run in runs),
            "final_return_median": _rounded(quartiles[1]),
            "final_return_q25": _rounded(quartiles[0]), "final_return_q75": _rounded(quartiles[2]),
            "solved": None if threshold is None else int(np.sum(returns >= threshold)),
            "train_seconds_median": _rounded(np.median(seconds)) if seconds else None}


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def _run_summary(run: RunResult, out: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {"setting": run.setting, "seed": run.seed,
                             "dir": str(run.run_dir.relative_to(out)), "status": run.status}
    if run.record is not None:
        entry.update({key: run.record.get(key) for key in
                      ("mean_return", "std_return", "first_solved_step", "train_seconds")})
    if run.error is not None:
        entry["error"] = run.error
    return entry


def _run_line(run: RunResult, threshold: float | None, common: Mapping[str, str]) -> str:
    where = _("{setting} seed {seed}").format(setting=_shown_label(run.label, run.setting, common),
                                              seed=run.seed)
    if run.status != "finished":
        return _("{where}: {status}: {error}").format(where=where, status=_(_STATUS_WORDS[run.status]),
                                                      error=run.error)
    mean = run.record["mean_return"]
    solved = "" if threshold is None else _(" (solved)") if mean >= threshold else _(" (not solved)")
    return _("{where}: final greedy return {mean}{solved}, {seconds} s").format(
        where=where, mean=f"{mean:.2f}", solved=solved, seconds=f"{run.record['train_seconds']:.1f}")


#: how a run that did not finish is named in the lines printed while a sweep runs (summary.json
#: keeps the status itself, in English)
_STATUS_WORDS = {"failed": N_("failed"), "interrupted": N_("interrupted")}


def _shown_label(label: str, setting: Mapping[str, str], common: Mapping[str, str], *,
                 defaults: str | None = None) -> str:
    """A setting's label as shown. A sweep with one setting shows its common overrides (``--set
    hidden=(64,64)``: ``hidden=(64,64)``; their values are already text), or ``defaults`` where
    there are none (in the language set, unless ``defaults`` gives the word): a table must never
    call a changed config the defaults."""
    if setting:
        return label
    return setting_label(common) if common else _("defaults") if defaults is None else defaults


def _width(text: str) -> int:
    """The columns ``text`` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def summary_table(summary: dict[str, Any]) -> str:
    """One line per setting: runs finished, median and IQR of the final greedy return, seeds
    solved, median training time, runs failed."""
    threshold = summary["threshold"]
    header = (_("setting"), _("finished"), _("median return"), _("IQR (25-75 %)"),
              _("solved (>= {threshold})").format(threshold=f"{threshold:g}") if threshold is not None
              else _("solved"), _("median train s"), _("failed"))
    rows = [header]
    for entry in summary["by_setting"]:
        have = entry["finished"] > 0
        rows.append((_shown_label(entry["label"], entry["setting"], summary.get("overrides") or {}),
                     f"{entry['finished']}/{entry['runs']}",
                     f"{entry['final_return_median']:.2f}" if have else "-",
                     _("{low} to {high}").format(low=f"{entry['final_return_q25']:.2f}",
                                                 high=f"{entry['final_return_q75']:.2f}")
                     if have else "-",
                     _("n/a") if entry["solved"] is None else f"{entry['solved']}/{entry['finished']}",
                     f"{entry['train_seconds_median']:.1f}" if have else "-",
                     str(entry["failed"])))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    title = _("{algo} on {env_id}, seeds {seeds}").format(algo=summary["algo"], env_id=summary["env_id"],
                                                          seeds=_seed_ranges(summary["seeds"]))
    return "\n".join([title, *lines])


def _seed_ranges(seeds: list[int]) -> str:
    parts, ordered = [], sorted(seeds)
    for _, group in itertools.groupby(enumerate(ordered), key=lambda pair: pair[1] - pair[0]):
        run = [seed for _, seed in group]
        parts.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ",".join(parts)


# --- the figure -----------------------------------------------------------------------------------


def _write_figure(sweep: SweepResult, threshold: float | None) -> None:
    """``seeds.png``: per setting, every finished seed's curve and the median over them."""
    curves = sweep.metrics()
    if not curves:
        return
    # a Figure without pyplot: drawn straight to a file, leaving a notebook's backend alone
    from matplotlib.figure import Figure

    from rlcourse.plotting import plot_learning_curves

    # periodic greedy evaluations where every run has them; training returns otherwise (a budget
    # shorter than the evaluation interval)
    column = ("eval_mean_return" if all(m.column("eval_mean_return") for runs in curves.values()
                                        for m in runs) else "episode_return")
    # a budget too short to end one episode leaves nothing to draw (a smoke run, --steps 1)
    curves = {label: kept for label, runs in curves.items()
              if (kept := [m for m in runs if m.column(column)])}
    if not curves:
        return
    settings = {run.label: run.setting for run in sweep.runs}
    fig = Figure(figsize=(7, 3.2 * len(curves)))
    axes = fig.subplots(len(curves), 1, squeeze=False)
    for ax, (label, runs) in zip(axes[:, 0], curves.items()):
        for metrics in runs:
            steps, values = zip(*metrics.column(column))
            ax.plot(steps, values, color="grey", linewidth=0.7, alpha=0.5)
        # the figure's titles stay in English: an empty setting's label is "defaults" itself
        shown = _shown_label(label, settings[label], sweep.summary.get("overrides") or {},
                             defaults=label)
        plot_learning_curves({label: runs}, column=column, threshold=threshold, ax=ax,
                             title=f"{sweep.summary['algo']} on {sweep.summary['env_id']}: {shown} "
                                   "(grey: each seed)")
    fig.tight_layout()
    fig.savefig(sweep.out / FIGURE, dpi=100)

