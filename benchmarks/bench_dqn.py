"""Benchmark: our DQN (the CLI defaults) against Stable-Baselines3's DQN on CartPole-v1.

Stable-Baselines3 runs with the RL Zoo's tuned CartPole-v1 hyperparameters (256-256 network,
lr 2.3e-3, batch 64, buffer 100k, learning starts 1000, γ 0.99, target update every 10 steps,
train every 256 steps with 128 gradient steps, ε to 0.04 over 16 %, 50k steps). Both are measured
the same way, on the same seeds, in one process:

* periodic greedy evaluation every ``eval_every`` env steps on the validation seeds
  (``rlcourse.envs.VALIDATION_SEED``, ``eval_episodes`` episodes; our config's values), whose time
  is *excluded* from the training clock of both (an SB3 callback pauses the clock);
* "first solve" is the first periodic evaluation with mean return >= 475;
* our defaults stop once solved (``DQNConfig.stop_at_return``): when a periodic evaluation
  averages >= 490, more validation episodes follow up to ``stop_eval_episodes`` (20), and if all
  of them average >= 490 the run ends there (that time is excluded too);
* SB3 runs the Zoo's 50k steps (rows "SB3", the issue's comparison), and is also graded where
  the same rule would have stopped it (rows "SB3+stop"): the first time the rule holds, the agent
  of that moment plays the held-out episodes, clock paused, and training goes on unchanged
  (greedy evaluation draws none of SB3's random numbers), so one run gives both;
* "s to stable" is the training clock of a run whose final agent is solved (the issue's goal is
  3x faster to a solved and stable agent); a run that ends unsolved never gets there, and
  counts as infinitely slow in the medians, as an unsolved first solve does;
* the agent a run ends with (never a best one kept aside) is evaluated greedily on 20 held-out
  episodes (``rlcourse.envs.HELDOUT_SEED``);
* torch runs on one CPU thread for both (fastest for networks this small).

Usage::

    python benchmarks/bench_dqn.py               # seeds 0-4, the full run (~11 minutes on a Xeon model 207)
    python benchmarks/bench_dqn.py --quick       # seed 0, SB3 at 20k steps: a smoke check
    python benchmarks/bench_dqn.py --seeds 0 1 2
    python benchmarks/bench_dqn.py --ours-only --seeds 0 1 2 3 4 5 6 7 8 9 --set gamma=0.995
    python benchmarks/bench_dqn.py --sb3-stop-only --seeds 0 1 2 3 4 5 6 7 8 9
    ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE python benchmarks/bench_dqn.py --sb3-stop-only ...
    python benchmarks/bench_dqn.py --workers 2   # seeds 0-4 all at once on 2 processes, ours then SB3+stop
    python benchmarks/bench_dqn.py --workers 2 --ours-only --seeds 0 1 2 3 4

``--sb3-stop-only`` ends each SB3 run where our stop rule stops it (rows "SB3+stop" only, no
50k-step "SB3" rows): the equal-terms comparison of wall time and env steps to a solved and stable
agent, at a fraction of the full run's cost, so that 10 seeds fit on each CPU kernel path (the
second line: torch's generic kernels and MKL's compatible path, as ``make test``'s second pass).
It writes ``benchmarks/results/dqn_cartpole_sb3_stop.json`` (``..._generic.json`` on the generic
kernels) unless ``--out`` is given; the record names the kernel path it ran on.

``--ours-only`` skips Stable-Baselines3 (no extra install needed) and ``--set key=value`` changes
one of our hyperparameters, as ``rlcourse train dqn --set`` does: together they measure how many
seeds a variant of the defaults leaves solved at the end, the way the closing notes of issue 5 did.

Writes ``benchmarks/results/dqn_cartpole.json`` (or ``--out``); a run with ``--ours-only`` or
``--set`` writes ``benchmarks/results/dqn_cartpole_variant.json`` unless ``--out`` is given, so the
committed comparison is never overwritten by a variant.

``--workers N`` measures the wall time of all the seeds trained at once on N worker processes of
one torch thread each, rather than one seed after another: ours through
:func:`rlcourse.sweep.train_seeds` (as the notebooks' multi-seed cells run them), then SB3 ended by
our stop rule (the SB3+stop comparison) on a pool of N spawned processes, each side's batch timed
whole, from starting its workers to its last seed's result, on the same machine in the same run.
It prints each side's batch wall time, seeds solved at the end and median final return, the ratio
of the two wall times, the issue's wall-time targets (5 seeds to solved agents in <= 25 s), and
the machine's CPUs and load average at the start and the end. It writes
``benchmarks/results/dqn_cartpole_parallel.json`` (``..._parallel_variant.json`` with
``--ours-only`` or ``--set``, ``_generic`` added on the generic kernels) unless ``--out`` is given,
so the sequential results are never overwritten. train_seeds keeps neither a run's training clock
at each evaluation nor its own wall time, so ours' seeds have no "s to solve" or "wall s" there.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import torch

from rlcourse import dqn
from rlcourse.envs import (HELDOUT_SEED, SOLVED_THRESHOLDS, VALIDATION_SEED, evaluate,
                           extend_evaluation, make_env)
from rlcourse.runs import apply_overrides, library_versions, write_json
from rlcourse.sweep import RunResult

# batches.py lies beside this script; with this folder on sys.path, which spawned workers inherit,
# a worker also imports this script by name when a test loaded it by path
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import batches  # noqa: E402

ENV_ID = "CartPole-v1"
THRESHOLD = SOLVED_THRESHOLDS[ENV_ID]
FINAL_EPISODES = 20
RESULTS = Path(__file__).resolve().parent / "results" / "dqn_cartpole.json"
VARIANT_RESULTS = RESULTS.with_name("dqn_cartpole_variant.json")
#: ``--workers N``: all seeds at once (``_variant`` / ``_generic`` added as for the other modes)
PARALLEL_RESULTS = RESULTS.with_name("dqn_cartpole_parallel.json")
#: the issue's figure for ``--workers``: this many seeds to solved agents in at most this wall time
TARGET_SEEDS, TARGET_WALL_SECONDS = 5, 25.0

#: RL Zoo (rl-baselines3-zoo, hyperparams/dqn.yml) CartPole-v1
SB3_ZOO = dict(learning_rate=2.3e-3, batch_size=64, buffer_size=100_000, learning_starts=1_000,
               gamma=0.99, target_update_interval=10, train_freq=256, gradient_steps=128,
               exploration_fraction=0.16, exploration_final_eps=0.04,
               policy_kwargs=dict(net_arch=[256, 256]))
SB3_STEPS = 50_000


def run_ours(seed: int, config: dqn.DQNConfig | None = None) -> dict[str, Any]:
    config = config or dqn.default_config(ENV_ID)
    start = time.perf_counter()
    run = dqn.train(ENV_ID, config, seed=seed)
    wall = time.perf_counter() - start
    first = run.metrics.first_solved_step(THRESHOLD)
    final = evaluate(ENV_ID, run.agent.act, episodes=FINAL_EPISODES, seed=HELDOUT_SEED)
    return _record(seed, run.steps, first, run.eval_clock.get(first) if first else None,
                   final.mean_return, run.train_seconds, wall,
                   [(s, v) for s, v in run.metrics.column("eval_mean_return")])


def run_sb3(seed: int, steps: int, eval_every: int, eval_episodes: int,
            stop_at_return: float | None = None, stop_eval_episodes: int = 20,
            end_at_stop: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """SB3 as the RL Zoo configures it (all ``steps``), and the same run as it would have ended had
    our stop rule stopped it (``stop_at_return``, ``stop_eval_episodes``): the rule is checked at
    each periodic evaluation and, the first time it holds, the agent of that moment is graded on
    the held-out episodes with the clock paused; training then goes on, unchanged (greedy
    evaluation draws none of SB3's random numbers), so one run gives both records.
    ``end_at_stop`` ends training there instead (both records are then the stopped run)."""
    from stable_baselines3 import DQN
    from stable_baselines3.common.callbacks import BaseCallback

    def greedy(model):
        return lambda obs: int(model.predict(obs, deterministic=True)[0])

    class PeriodicEval(BaseCallback):
        """Greedy evaluation every ``eval_every`` env steps, with the training clock paused."""

        def __init__(self) -> None:
            super().__init__()
            self.eval_env = make_env(ENV_ID)
            self.evals: list[tuple[int, float]] = []
            self.clock: dict[int, float] = {}
            self.train_seconds = 0.0
            self.start = 0.0
            self.wall_at_stop = 0.0
            #: (step, training seconds, held-out return) where our stop rule would have stopped SB3
            self.stop: tuple[int, float, float] | None = None

        def _on_training_start(self) -> None:
            self.start = time.perf_counter()

        def _on_step(self) -> bool:
            if self.num_timesteps % eval_every == 0:
                self.train_seconds += time.perf_counter() - self.start
                self.clock[self.num_timesteps] = self.train_seconds
                result = evaluate(self.eval_env, greedy(self.model), episodes=eval_episodes,
                                  seed=VALIDATION_SEED)
                self.evals.append((self.num_timesteps, result.mean_return))
                if (self.stop is None and stop_at_return is not None
                        and result.mean_return >= stop_at_return
                        and extend_evaluation(self.eval_env, greedy(self.model), result,
                                              episodes=stop_eval_episodes).mean_return
                        >= stop_at_return):
                    held_out = evaluate(ENV_ID, greedy(self.model), episodes=FINAL_EPISODES,
                                        seed=HELDOUT_SEED)
                    self.stop = (self.num_timesteps, self.train_seconds, held_out.mean_return)
                    self.wall_at_stop = time.perf_counter() - wall_start
                    if end_at_stop:
                        return False  # SB3 ends learn() here; _on_training_end adds nothing
                self.start = time.perf_counter()
            return True

        def _on_training_end(self) -> None:
            if not (end_at_stop and self.stop is not None):
                self.train_seconds += time.perf_counter() - self.start

    wall_start = time.perf_counter()
    env = make_env(ENV_ID)
    model = DQN("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **SB3_ZOO)
    callback = PeriodicEval()
    model.learn(total_timesteps=steps, callback=callback)
    wall = time.perf_counter() - wall_start
    first = next((s for s, v in callback.evals if v >= THRESHOLD), None)
    first_seconds = callback.clock.get(first) if first else None
    final = evaluate(ENV_ID, greedy(model), episodes=FINAL_EPISODES, seed=HELDOUT_SEED)
    zoo = _record(seed, model.num_timesteps, first, first_seconds, final.mean_return,
                  callback.train_seconds, wall, callback.evals)
    if callback.stop is None:  # never stopped: the rule would have let it run to the end
        return zoo, zoo
    stop_step, stop_seconds, stop_return = callback.stop
    stopped = _record(seed, stop_step, first, first_seconds, stop_return, stop_seconds,
                      callback.wall_at_stop, [e for e in callback.evals if e[0] <= stop_step])
    return zoo, stopped


def _record(seed, steps, first, first_seconds, final_return, train_seconds, wall, evals):
    solved_at_end = final_return >= THRESHOLD
    return {"seed": seed, "steps": steps, "first_solved_step": first,
            "first_solved_seconds": None if first_seconds is None else round(first_seconds, 2),
            "final_mean_return": final_return, "solved_at_end": solved_at_end,
            "steps_per_second": round(steps / train_seconds, 1),
            "train_seconds": round(train_seconds, 2),
            "wall_seconds": None if wall is None else round(wall, 2),
            # the goal: the training clock to an agent that is solved when training ends;
            # a run that ends unsolved never delivers one (None, counted as infinitely slow)
            "stable_solve_seconds": round(train_seconds, 2) if solved_at_end else None,
            "evals": [[s, round(v, 1)] for s, v in evals]}


def _median(records: list[dict[str, Any]], key: str) -> float | None:
    # an unsolved seed counts as infinitely slow, so the median is honest about failures
    values = [r[key] if r[key] is not None else float("inf") for r in records]
    value = statistics.median(values)
    return None if value == float("inf") else round(value, 2)


COLUMNS = [("first_solved_step", "steps to solve", "{:>14}"),
           ("first_solved_seconds", "s to solve", "{:>10}"),
           ("final_mean_return", "final return", "{:>12}"),
           ("steps_per_second", "steps/s", "{:>8}"),
           ("train_seconds", "train s", "{:>8}"),
           ("stable_solve_seconds", "s to stable", "{:>11}"),
           ("wall_seconds", "wall s", "{:>7}")]


#: row labels: SB3 as the RL Zoo runs it (the issue's comparison), and the same SB3 runs graded
#: where our stop rule would have stopped them (how much of our lead the rule alone makes)
LABELS = {"ours": "ours", "sb3": "SB3", "sb3_stop": "SB3+stop"}


def _row(label: str, record: dict[str, Any], columns: list[tuple[str, str, str]] = COLUMNS) -> str:
    cells = [fmt.format("-" if record[key] is None else record[key]) for key, _, fmt in columns]
    return f"{label:<14}" + " ".join(cells)


def _ratio(sb3: float | None, ours: float | None, *, higher_is_better: bool = False) -> str:
    if sb3 is None or ours is None or ours == 0 or sb3 == 0:
        return "n/a (the median seed of a side never got there)"
    ratio = ours / sb3 if higher_is_better else sb3 / ours
    return f"{ratio:.1f}x {'faster' if ratio >= 1 else 'slower'}"


# --- --workers N: every seed at once ------------------------------------------------------------

#: the per-seed columns ``--workers`` prints: those both sides have (train_seeds keeps neither a
#: run's training clock at each evaluation nor its own wall time)
PARALLEL_COLUMNS = [column for column in COLUMNS
                    if column[0] not in ("first_solved_seconds", "wall_seconds")]


def run_ours_batch(seeds: list[int], workers: int, overrides: list[str]
                   ) -> tuple[float, list[dict[str, Any]], list[RunResult], bool]:
    """Every seed of ours at once (:func:`batches.train_seeds_at_once`), each finished run recorded
    as :func:`run_ours` records it, but for what train_seeds does not keep: a run's training clock
    at each evaluation and its own wall time ("first_solved_seconds" and "wall_seconds" are None)."""
    wall, finished, unfinished, interrupted = batches.train_seeds_at_once("dqn", ENV_ID, seeds,
                                                                          workers, overrides)
    records = [_record(seed, fields["steps"], fields["first_solved_step"], None,
                       fields["final_return"], fields["train_seconds"], None, fields["evals"])
               for seed, fields in finished]
    return wall, records, unfinished, interrupted


def run_sb3_batch(seeds: list[int], workers: int,
                  **kwargs: Any) -> tuple[float, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """:func:`run_sb3` (``kwargs``) for every seed at once on ``workers`` spawned processes of one
    torch thread each. Returns the wall time from starting the pool to the last seed's result,
    and each seed's records in seed order. Ctrl-C (or a seed that raises) stops every worker."""
    return batches.run_seeds_at_once(run_sb3, seeds, workers, **kwargs)


def _main_parallel(seeds: list[int], workers: int, config: dqn.DQNConfig, overrides: list[str],
                   ours_only: bool, sb3_steps: int, kernel_path: dict[str, str], out: Path) -> int:
    """``--workers N``: ours' batch of every seed at once, then SB3+stop's, each timed whole."""
    sides = ["ours"] if ours_only else ["ours", "sb3_stop"]
    load_at_start = os.getloadavg()[0]
    ours = "CLI defaults" + (f" with {', '.join(overrides)}" if overrides else "")
    print(f"DQN on {ENV_ID}, seeds {seeds}, all at once on {workers} worker processes of 1 torch "
          f"thread each: ours ({ours}, {config.steps} steps, through rlcourse.sweep.train_seeds)"
          + ("" if ours_only else f", then Stable-Baselines3 (RL Zoo hyperparameters, {sb3_steps} "
                                  "steps, ended by our stop rule)"))
    print("CPU kernel path: " + (" ".join(f"{k}={v}" for k, v in kernel_path.items()) if kernel_path
                                  else "this CPU's own (torch's and MKL's defaults)"))
    print(f"Greedy evaluation every {config.eval_every} steps on {config.eval_episodes} validation "
          f"episodes, excluded from the training clock; final return = mean of {FINAL_EPISODES} "
          f"held-out episodes of the final agent. A side's wall time runs from starting its "
          f"workers to its last seed's result. Machine: {os.cpu_count()} CPUs, load average at "
          f"start {load_at_start:.2f}.", flush=True)
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    batch_wall: dict[str, float] = {}
    record = {"env_id": ENV_ID, "seeds": seeds, "workers": workers, "threshold": THRESHOLD,
              "final_episodes": FINAL_EPISODES, "eval_every": config.eval_every,
              "eval_episodes": config.eval_episodes, "eval_time_excluded_from_training_clock": True,
              "torch_threads_per_worker": 1, "ours_overrides": overrides,
              "kernel_path": kernel_path or "default", "ours_config": dataclasses.asdict(config),
              "ours_via": "rlcourse.sweep.train_seeds",
              "batch_wall_seconds": batch_wall,
              "batch_wall_from": "starting the side's worker processes to its last seed's result "
                                 "(ours: the train_seeds call, with its summary and figure)",
              "ours_not_recorded": {"first_solved_seconds": None, "wall_seconds": None,
                                    "why": "train_seeds keeps neither a run's training clock at "
                                           "each evaluation nor its own wall time"},
              "results": results, "complete": False, "versions": library_versions(),
              "machine": {"cpus": os.cpu_count(), "load_average_at_start": load_at_start,
                          "platform": platform.platform()}}
    if not ours_only:
        record.update(sb3_hyperparameters=SB3_ZOO, sb3_steps=sb3_steps, sb3_ended_by_our_stop_rule=True)
    out.parent.mkdir(parents=True, exist_ok=True)

    wall, records, unfinished, interrupted = run_ours_batch(seeds, workers, overrides)
    results["ours"] += records
    if records:
        print(f"{'per seed':<14}" + " ".join(fmt.format(title) for _, title, fmt in PARALLEL_COLUMNS))
    for run in records:
        print(_row(f"ours  seed {run['seed']}", run, PARALLEL_COLUMNS), flush=True)
    status = batches.end_if_unfinished(record, out, unfinished, interrupted)
    if status is not None:
        return status
    batch_wall["ours"] = round(wall, 2)
    print(f"ours: {len(seeds)} seeds in {wall:.2f} s wall on {workers} workers", flush=True)
    write_json(out, record)  # ours survives an interrupted SB3 batch
    if not ours_only:
        try:
            wall, pairs = run_sb3_batch(seeds, workers, steps=sb3_steps, eval_every=config.eval_every,
                                        eval_episodes=config.eval_episodes,
                                        stop_at_return=config.stop_at_return,
                                        stop_eval_episodes=config.stop_eval_episodes, end_at_stop=True)
        except KeyboardInterrupt:
            print(f"Interrupted: SB3's workers are stopped; ours' batch is in {out}")
            return 130
        results["sb3_stop"] += [stopped for _, stopped in pairs]
        for run in results["sb3_stop"]:
            print(_row(f"SB3+stop {run['seed']}", run, PARALLEL_COLUMNS), flush=True)
        batch_wall["sb3_stop"] = round(wall, 2)
        print(f"SB3+stop: {len(seeds)} seeds in {wall:.2f} s wall on {workers} workers", flush=True)

    solved = {side: sum(run["solved_at_end"] for run in results[side]) for side in sides}
    median_final = {side: round(statistics.median(run["final_mean_return"] for run in results[side]), 2)
                    for side in sides}
    print()
    print(f"{f'{len(seeds)} seeds, {workers} workers':<22}{'batch wall s':>13}{'solved at end':>15}"
          f"{'median final return':>21}")
    for side in sides:
        print(f"{LABELS[side]:<22}{batch_wall[side]:>13.2f}{f'{solved[side]}/{len(seeds)}':>15}"
              f"{median_final[side]:>21.2f}")
    ratio = None
    if "sb3_stop" in sides:
        ratio = round(batch_wall["sb3_stop"] / batch_wall["ours"], 2)
        print(f"SB3+stop wall / ours wall, {len(seeds)} seeds at once: {ratio:.2f} ("
              + _ratio(batch_wall["sb3_stop"], batch_wall["ours"]) + ")")
    targets = {
        "ours: every seed solved at the end": solved["ours"] == len(seeds),
        f"ours: {TARGET_SEEDS} seeds to solved agents in <= {TARGET_WALL_SECONDS:g} s wall, all at "
        f"once (depends on the machine: its cores and load)":
            len(seeds) >= TARGET_SEEDS and solved["ours"] == len(seeds)
            and batch_wall["ours"] <= TARGET_WALL_SECONDS,
    }
    print()
    for what, met in targets.items():
        print(f"target {'MET   ' if met else 'MISSED'} {what}")
    if len(seeds) < TARGET_SEEDS:
        print(f"(the wall-time target is for {TARGET_SEEDS} seeds; this run has {len(seeds)})")
    load_at_end = os.getloadavg()[0]
    print(f"Machine: {os.cpu_count()} CPUs, load average {load_at_start:.2f} at the start, "
          f"{load_at_end:.2f} at the end")
    record.update(complete=True, solved_at_end=solved, median_final_return=median_final,
                  ratio_sb3_stop_wall_over_ours_wall=ratio, targets=targets)
    record["machine"]["load_average_at_end"] = load_at_end
    write_json(out, record)
    print(f"wrote {out}")
    return 0 if targets["ours: every seed solved at the end"] else 1  # the clock is the machine's


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--quick", action="store_true",
                        help="seed 0 only (unless --seeds) and SB3 at 20k steps: a smoke check")
    parser.add_argument("--ours-only", action="store_true",
                        help="run our DQN only (no Stable-Baselines3 needed)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="change one of our hyperparameters (repeatable)")
    parser.add_argument("--sb3-stop-only", action="store_true",
                        help="end each SB3 run where our stop rule stops it (SB3+stop rows only)")
    parser.add_argument("--workers", type=batches.workers_argument, default=None, metavar="N",
                        help="train all the seeds at once on N processes (ours through "
                             "rlcourse.sweep.train_seeds, then SB3 ended by our stop rule) and "
                             "compare the wall times of the two batches")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    seeds = [0] if args.quick and "--seeds" not in (argv or sys.argv) else args.seeds
    sb3_steps = 20_000 if args.quick else SB3_STEPS
    variant = args.ours_only or bool(args.overrides)
    generic = {k: os.environ.get(k) for k in ("ATEN_CPU_CAPABILITY", "MKL_CBWR") if os.environ.get(k)}
    if args.sb3_stop_only and args.ours_only:
        parser.error("--sb3-stop-only and --ours-only exclude each other: the first runs SB3, the second does not")
    stop_results = RESULTS.with_name("dqn_cartpole_sb3_stop" + ("_generic" if generic else "") + ".json")
    parallel_results = PARALLEL_RESULTS.with_name(PARALLEL_RESULTS.stem + ("_variant" if variant else "")
                                                  + ("_generic" if generic else "") + ".json")
    out = args.out or (parallel_results if args.workers else VARIANT_RESULTS if variant else
                       stop_results if args.sb3_stop_only else RESULTS)
    try:
        config = apply_overrides(dqn.default_config(ENV_ID), args.overrides)
    except ValueError as error:
        parser.error(str(error))  # names the bad key or value; exits 2 before any training
    if args.sb3_stop_only and config.stop_at_return is None:
        parser.error("--sb3-stop-only needs our stop rule: drop --set stop_at_return=none")
    if args.workers is not None:
        if len(set(seeds)) != len(seeds) or min(seeds) < 0:
            parser.error(f"--workers trains each seed once: give distinct non-negative --seeds, got {seeds}")
        if config.final_eval_episodes != FINAL_EPISODES:  # train_seeds grades on the config's count
            parser.error(f"--workers grades each seed on {FINAL_EPISODES} held-out episodes, as the "
                         "other modes do: drop --set final_eval_episodes")
        if not args.ours_only and config.stop_at_return is None:
            parser.error("--workers compares with SB3 ended by our stop rule: drop --set "
                         "stop_at_return=none, or add --ours-only")
        if not args.ours_only and importlib.util.find_spec("stable_baselines3") is None:
            parser.error("--workers compares with Stable-Baselines3, which is not installed: "
                         "pip install -r benchmarks/requirements.txt, or add --ours-only")
        os.environ.setdefault("RLCOURSE_PROGRESS", "0")
        torch.set_num_threads(1)
        return _main_parallel(seeds, args.workers, config, args.overrides, args.ours_only,
                              sb3_steps, generic, out)
    sides = (["ours"] if args.ours_only else ["ours", "sb3_stop"] if args.sb3_stop_only else
             ["ours", "sb3"] + (["sb3_stop"] if config.stop_at_return is not None else []))
    os.environ.setdefault("RLCOURSE_PROGRESS", "0")
    torch.set_num_threads(1)
    ours = "CLI defaults" + (f" with {', '.join(args.overrides)}" if args.overrides else "")
    print(f"DQN on {ENV_ID}, seeds {seeds}: ours ({ours}, {config.steps} steps)"
          + ("" if args.ours_only else
             f" vs Stable-Baselines3 (RL Zoo hyperparameters, {sb3_steps} steps"
             + (", ended by our stop rule)" if args.sb3_stop_only else ")")))
    print("CPU kernel path: " + (" ".join(f"{k}={v}" for k, v in generic.items()) if generic
                                  else "this CPU's own (torch's and MKL's defaults)"))
    print(f"Greedy evaluation every {config.eval_every} steps on {config.eval_episodes} "
          f"validation episodes, EXCLUDED from the training clock; final return = mean of "
          f"{FINAL_EPISODES} held-out episodes of the final agent; 1 torch thread. "
          f"Load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.")
    if config.stop_at_return is not None:
        print(f"Ours stops once {config.stop_eval_episodes} greedy validation episodes average "
              f">= {config.stop_at_return:g} ({config.steps} steps are a cap)"
              + ("" if args.ours_only else "; SB3 is ended by the same rule (SB3+stop)"
                 if args.sb3_stop_only else "; SB3 trains all its steps and is also graded where "
                 "the same rule would have stopped it (SB3+stop)") + ".")
    results: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    record = {"env_id": ENV_ID, "seeds": seeds, "threshold": THRESHOLD,
              "final_episodes": FINAL_EPISODES, "eval_every": config.eval_every,
              "eval_episodes": config.eval_episodes, "eval_time_excluded_from_training_clock": True,
              "torch_threads": 1, "ours_overrides": args.overrides,
              "kernel_path": generic or "default", "sb3_ended_by_our_stop_rule": args.sb3_stop_only,
              "ours_config": dataclasses.asdict(config), "results": results, "complete": False,
              "versions": library_versions()}
    if not args.ours_only:
        record.update(sb3_hyperparameters=SB3_ZOO, sb3_steps=sb3_steps)
    out.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        results["ours"].append(run_ours(seed, config))
        print(_row(f"ours  seed {seed}", results["ours"][-1]), flush=True)
        if not args.ours_only:
            zoo, stopped = run_sb3(seed, sb3_steps, config.eval_every, config.eval_episodes,
                                   config.stop_at_return, config.stop_eval_episodes,
                                   end_at_stop=args.sb3_stop_only)
            if "sb3" in results:
                results["sb3"].append(zoo)
                print(_row(f"SB3   seed {seed}", zoo), flush=True)
            if "sb3_stop" in results:
                results["sb3_stop"].append(stopped)
                print(_row(f"SB3+stop {seed}", stopped), flush=True)
        write_json(out, record)  # partial results survive an interrupted run

    medians = {name: {key: _median(records, key) for key, _, _ in COLUMNS}
               for name, records in results.items()}
    print()
    print(f"{'median':<14}" + " ".join(fmt.format(title) for _, title, fmt in COLUMNS))
    for name in sides:
        print(_row(LABELS[name], medians[name]))
    solved = {name: sum(r["solved_at_end"] for r in records) for name, records in results.items()}
    print()
    print(f"solved at the end (final return >= {THRESHOLD:g}): "
          + ", ".join(f"{LABELS[name].strip()} {solved[name]}/{len(seeds)}" for name in sides))
    ratios = {}
    if "sb3" in sides:
        ratios = {
            "wall seconds to first solve": _ratio(medians["sb3"]["first_solved_seconds"],
                                                  medians["ours"]["first_solved_seconds"]),
            "total training seconds": _ratio(medians["sb3"]["train_seconds"],
                                             medians["ours"]["train_seconds"]),
            "training seconds to a solved and stable agent (goal: 3x)": _ratio(
                medians["sb3"]["stable_solve_seconds"], medians["ours"]["stable_solve_seconds"]),
            "env steps per second": _ratio(medians["sb3"]["steps_per_second"],
                                           medians["ours"]["steps_per_second"],
                                           higher_is_better=True),
            "env steps to first solve": _ratio(medians["sb3"]["first_solved_step"],
                                               medians["ours"]["first_solved_step"]),
        }
    if "sb3_stop" in sides:
        ratios["training seconds to a solved and stable agent, SB3 also stopped by our rule"] = \
            _ratio(medians["sb3_stop"]["stable_solve_seconds"], medians["ours"]["stable_solve_seconds"])
        if "sb3" not in sides:  # the same-terms comparison alone: its sample efficiency beside it
            ratios["env steps to first solve, SB3 also stopped by our rule"] = _ratio(
                medians["sb3_stop"]["first_solved_step"], medians["ours"]["first_solved_step"])
    for what, text in ratios.items():
        print(f"ours vs SB3, {what}: {text}")
    first_solve, train_s = medians["ours"]["first_solved_step"], medians["ours"]["train_seconds"]
    targets = {
        # the name is the target; the count it got is on the "solved at the end" line above
        "ours: every seed solved at the end": solved["ours"] == len(seeds),
        "ours: median first solve <= 20,000 env steps": first_solve is not None and first_solve <= 20_000,
        "ours: median training time <= 20 s (depends on the machine's load)": train_s <= 20.0,
    }
    print()
    for what, met in targets.items():
        print(f"target {'MET   ' if met else 'MISSED'} {what}")
    record.update(complete=True, medians=medians, solved_at_end=solved, ratios_sb3_over_ours=ratios,
                  targets=targets,
                  machine={"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()[0],
                           "platform": platform.platform()})
    write_json(out, record)
    print(f"wrote {out}")
    learning_targets = list(targets.values())[:2]  # the clock is the machine's, not the code's
    return 0 if all(learning_targets) else 1


if __name__ == "__main__":
    sys.exit(main())
