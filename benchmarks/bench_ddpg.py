"""Benchmark: our DDPG (the CLI defaults) against Stable-Baselines3's DDPG on Pendulum-v1.

Stable-Baselines3 runs with the RL Zoo's tuned Pendulum-v1 hyperparameters (400-300 networks,
lr 1e-3, γ 0.98, buffer 200k, 10k uniformly random steps first, Gaussian action noise σ 0.1,
one gradient step per env step, batch 256 (SB3's default), τ 0.005, 20k steps). Both are measured
the same way, on the same seeds, in one process:

* periodic greedy evaluation (no noise) every ``eval_every`` env steps on the validation seeds
  (``rlcourse.envs.VALIDATION_SEED``, ``eval_episodes`` episodes; our config's values), whose time
  is *excluded* from the training clock of both (an SB3 callback pauses the clock);
* "first reach" is the first periodic evaluation with mean return >= -200;
* the final agent (never the best one) is evaluated greedily on 20 held-out episodes
  (``rlcourse.envs.HELDOUT_SEED``);
* torch runs on one CPU thread for both (fastest for networks this small).

Usage::

    python benchmarks/bench_ddpg.py               # seeds 0-4, the full run (SB3 ~165 s a seed)
    python benchmarks/bench_ddpg.py --quick       # seed 0, SB3 at 12k steps: a smoke check
    python benchmarks/bench_ddpg.py --seeds 0 1
    python benchmarks/bench_ddpg.py --workers 2   # seeds 0-4 all at once on 2 processes, ours then SB3

Writes ``benchmarks/results/ddpg_pendulum.json`` (or ``--out``).

``--workers N`` measures the wall time of all the seeds trained at once on N worker processes of
one torch thread each, rather than one seed after another: ours through
:func:`rlcourse.sweep.train_seeds` (as the notebooks' multi-seed cells run them), then SB3 at the
RL Zoo settings above on a pool of N spawned processes, each side's batch timed whole, from
starting its workers to its last seed's result, on the same machine in the same run. It prints
each side's batch wall time, seeds that reach -200 at the end and median final return, the ratio
of the two wall times, the issue's wall-time target (5 seeds in <= 35 s), and the machine's CPUs
and load average at the start and the end. It writes
``benchmarks/results/ddpg_pendulum_parallel.json`` (``..._parallel_generic.json`` with
``ATEN_CPU_CAPABILITY`` or ``MKL_CBWR`` set; the record names the kernel path) unless ``--out`` is
given, so the sequential results are never overwritten. train_seeds keeps neither a run's training
clock at each evaluation nor its own wall time, so ours' seeds have no "s to -200" or "wall s"
there.
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

from rlcourse import ddpg
from rlcourse.envs import HELDOUT_SEED, SOLVED_THRESHOLDS, VALIDATION_SEED, evaluate, make_env
from rlcourse.runs import library_versions, write_json
from rlcourse.sweep import RunResult

# batches.py lies beside this script; with this folder on sys.path, which spawned workers inherit,
# a worker also imports this script by name when a test loaded it by path
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
import batches  # noqa: E402

ENV_ID = "Pendulum-v1"
THRESHOLD = SOLVED_THRESHOLDS[ENV_ID]
FINAL_EPISODES = 20
RESULTS = Path(__file__).resolve().parent / "results" / "ddpg_pendulum.json"
#: ``--workers N``: all seeds at once (``_generic`` added on the generic kernels)
PARALLEL_RESULTS = RESULTS.with_name("ddpg_pendulum_parallel.json")
#: the issue's figure for ``--workers``: this many seeds in at most this wall time
TARGET_SEEDS, TARGET_WALL_SECONDS = 5, 35.0

#: RL Zoo (rl-baselines3-zoo, hyperparams/ddpg.yml) Pendulum-v1; the action noise is built in
#: run_sb3 (NormalActionNoise, σ 0.1 in the env's action units)
SB3_ZOO = dict(learning_rate=1e-3, gamma=0.98, buffer_size=200_000, learning_starts=10_000,
               train_freq=1, gradient_steps=1, policy_kwargs=dict(net_arch=[400, 300]))
SB3_NOISE_STD = 0.1
SB3_STEPS = 20_000


def run_ours(seed: int) -> dict[str, Any]:
    config = ddpg.default_config(ENV_ID)
    start = time.perf_counter()
    run = ddpg.train(ENV_ID, config, seed=seed)
    wall = time.perf_counter() - start
    first = run.metrics.first_solved_step(THRESHOLD)
    final = evaluate(ENV_ID, run.agent.act, episodes=FINAL_EPISODES, seed=HELDOUT_SEED)
    return _record(seed, run.steps, first, run.eval_clock.get(first) if first else None,
                   final.mean_return, run.train_seconds, wall,
                   [(s, v) for s, v in run.metrics.column("eval_mean_return")])


def run_sb3(seed: int, steps: int, eval_every: int, eval_episodes: int) -> dict[str, Any]:
    import numpy as np
    from stable_baselines3 import DDPG
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.noise import NormalActionNoise

    def greedy(model):
        return lambda obs: model.predict(obs, deterministic=True)[0]

    class PeriodicEval(BaseCallback):
        """Greedy evaluation every ``eval_every`` env steps, with the training clock paused."""

        def __init__(self) -> None:
            super().__init__()
            self.eval_env = make_env(ENV_ID)
            self.evals: list[tuple[int, float]] = []
            self.clock: dict[int, float] = {}
            self.train_seconds = 0.0
            self.start = 0.0

        def _on_training_start(self) -> None:
            self.start = time.perf_counter()

        def _on_step(self) -> bool:
            if self.num_timesteps % eval_every == 0:
                self.train_seconds += time.perf_counter() - self.start
                self.clock[self.num_timesteps] = self.train_seconds
                result = evaluate(self.eval_env, greedy(self.model), episodes=eval_episodes,
                                  seed=VALIDATION_SEED)
                self.evals.append((self.num_timesteps, result.mean_return))
                self.start = time.perf_counter()
            return True

        def _on_training_end(self) -> None:
            self.train_seconds += time.perf_counter() - self.start

    wall_start = time.perf_counter()
    env = make_env(ENV_ID)
    action_dim = env.action_space.shape[0]
    noise = NormalActionNoise(mean=np.zeros(action_dim), sigma=SB3_NOISE_STD * np.ones(action_dim))
    model = DDPG("MlpPolicy", env, action_noise=noise, seed=seed, device="cpu", verbose=0, **SB3_ZOO)
    callback = PeriodicEval()
    model.learn(total_timesteps=steps, callback=callback)
    wall = time.perf_counter() - wall_start
    first = next((s for s, v in callback.evals if v >= THRESHOLD), None)
    final = evaluate(ENV_ID, greedy(model), episodes=FINAL_EPISODES, seed=HELDOUT_SEED)
    return _record(seed, steps, first, callback.clock.get(first) if first else None,
                   final.mean_return, callback.train_seconds, wall, callback.evals)


def _record(seed, steps, first, first_seconds, final_return, train_seconds, wall, evals):
    return {"seed": seed, "steps": steps, "first_solved_step": first,
            "first_solved_seconds": None if first_seconds is None else round(first_seconds, 2),
            "final_mean_return": round(final_return, 2), "reached_at_end": final_return >= THRESHOLD,
            "steps_per_second": round(steps / train_seconds, 1),
            "train_seconds": round(train_seconds, 2),
            "wall_seconds": None if wall is None else round(wall, 2),
            "evals": [[s, round(v, 1)] for s, v in evals]}


def _median(records: list[dict[str, Any]], key: str) -> float | None:
    # an unsolved seed counts as infinitely slow, so the median is honest about failures
    values = [r[key] if r[key] is not None else float("inf") for r in records]
    value = statistics.median(values)
    return None if value == float("inf") else value


COLUMNS = [("first_solved_step", "steps to -200", "{:>14}"),
           ("first_solved_seconds", "s to -200", "{:>10}"),
           ("final_mean_return", "final return", "{:>12}"),
           ("steps_per_second", "steps/s", "{:>8}"),
           ("train_seconds", "train s", "{:>8}"),
           ("wall_seconds", "wall s", "{:>7}")]


def _row(label: str, record: dict[str, Any], columns: list[tuple[str, str, str]] = COLUMNS) -> str:
    cells = [fmt.format("-" if record[key] is None else
                        round(record[key], 2) if isinstance(record[key], float) else record[key])
             for key, _, fmt in columns]
    return f"{label:<14}" + " ".join(cells)


def _ratio(sb3: float | None, ours: float | None, *, higher_is_better: bool = False) -> str:
    if sb3 is None or ours is None or ours == 0 or sb3 == 0:
        return "n/a (a side never solved)"
    ratio = ours / sb3 if higher_is_better else sb3 / ours
    return f"{ratio:.1f}x {'faster' if ratio >= 1 else 'slower'}"


# --- --workers N: every seed at once ------------------------------------------------------------

#: the per-seed columns ``--workers`` prints: those both sides have (train_seeds keeps neither a
#: run's training clock at each evaluation nor its own wall time)
PARALLEL_COLUMNS = [column for column in COLUMNS
                    if column[0] not in ("first_solved_seconds", "wall_seconds")]


def run_ours_batch(seeds: list[int], workers: int
                   ) -> tuple[float, list[dict[str, Any]], list[RunResult], bool]:
    """Every seed of ours at once (:func:`batches.train_seeds_at_once`), each finished run recorded
    as :func:`run_ours` records it, but for what train_seeds does not keep: a run's training clock
    at each evaluation and its own wall time ("first_solved_seconds" and "wall_seconds" are None)."""
    wall, finished, unfinished, interrupted = batches.train_seeds_at_once("ddpg", ENV_ID, seeds,
                                                                          workers)
    records = [_record(seed, fields["steps"], fields["first_solved_step"], None,
                       fields["final_return"], fields["train_seconds"], None, fields["evals"])
               for seed, fields in finished]
    return wall, records, unfinished, interrupted


def run_sb3_batch(seeds: list[int], workers: int, **kwargs: Any) -> tuple[float, list[dict[str, Any]]]:
    """:func:`run_sb3` (``kwargs``) for every seed at once on ``workers`` spawned processes of one
    torch thread each. Returns the wall time from starting the pool to the last seed's result,
    and each seed's record in seed order. Ctrl-C (or a seed that raises) stops every worker."""
    return batches.run_seeds_at_once(run_sb3, seeds, workers, **kwargs)


def _main_parallel(seeds: list[int], workers: int, config: ddpg.DDPGConfig, sb3_steps: int,
                   kernel_path: dict[str, str], out: Path) -> int:
    """``--workers N``: ours' batch of every seed at once, then SB3's, each timed whole."""
    sides = ["ours", "sb3"]
    labels = {"ours": "ours", "sb3": "SB3"}
    load_at_start = os.getloadavg()[0]
    print(f"DDPG on {ENV_ID}, seeds {seeds}, all at once on {workers} worker processes of 1 torch "
          f"thread each: ours (CLI defaults, {config.steps} steps, through "
          f"rlcourse.sweep.train_seeds), then Stable-Baselines3 (RL Zoo hyperparameters, "
          f"{sb3_steps} steps)")
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
              "torch_threads_per_worker": 1, "kernel_path": kernel_path or "default",
              "ours_config": dataclasses.asdict(config), "ours_via": "rlcourse.sweep.train_seeds",
              "sb3_hyperparameters": {**SB3_ZOO, "action_noise": f"NormalActionNoise(sigma={SB3_NOISE_STD})"},
              "sb3_steps": sb3_steps, "batch_wall_seconds": batch_wall,
              "batch_wall_from": "starting the side's worker processes to its last seed's result "
                                 "(ours: the train_seeds call, with its summary and figure)",
              "ours_not_recorded": {"first_solved_seconds": None, "wall_seconds": None,
                                    "why": "train_seeds keeps neither a run's training clock at "
                                           "each evaluation nor its own wall time"},
              "results": results, "complete": False, "versions": library_versions(),
              "machine": {"cpus": os.cpu_count(), "load_average_at_start": load_at_start,
                          "platform": platform.platform()}}
    out.parent.mkdir(parents=True, exist_ok=True)

    wall, records, unfinished, interrupted = run_ours_batch(seeds, workers)
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
    try:
        wall, results["sb3"] = run_sb3_batch(seeds, workers, steps=sb3_steps,
                                             eval_every=config.eval_every,
                                             eval_episodes=config.eval_episodes)
    except KeyboardInterrupt:
        print(f"Interrupted: SB3's workers are stopped; ours' batch is in {out}")
        return 130
    for run in results["sb3"]:
        print(_row(f"SB3   seed {run['seed']}", run, PARALLEL_COLUMNS), flush=True)
    batch_wall["sb3"] = round(wall, 2)
    print(f"SB3: {len(seeds)} seeds in {wall:.2f} s wall on {workers} workers", flush=True)

    solved = {side: sum(run["reached_at_end"] for run in results[side]) for side in sides}
    median_final = {side: round(statistics.median(run["final_mean_return"] for run in results[side]), 2)
                    for side in sides}
    print()
    print(f"{f'{len(seeds)} seeds, {workers} workers':<22}{'batch wall s':>13}{'reached -200':>14}"
          f"{'median final return':>21}")
    for side in sides:
        print(f"{labels[side]:<22}{batch_wall[side]:>13.2f}{f'{solved[side]}/{len(seeds)}':>14}"
              f"{median_final[side]:>21.2f}")
    ratio = round(batch_wall["sb3"] / batch_wall["ours"], 2)
    print(f"SB3 wall / ours wall, {len(seeds)} seeds at once: {ratio:.2f} ("
          + _ratio(batch_wall["sb3"], batch_wall["ours"]) + ")")
    targets = {
        f"ours: every seed reaches a final return >= {THRESHOLD:g}": solved["ours"] == len(seeds),
        f"ours: {TARGET_SEEDS} seeds in <= {TARGET_WALL_SECONDS:g} s wall, all at once (depends on "
        f"the machine: its cores and load)":
            len(seeds) >= TARGET_SEEDS and batch_wall["ours"] <= TARGET_WALL_SECONDS,
    }
    print()
    for what, met in targets.items():
        print(f"target {'MET   ' if met else 'MISSED'} {what}")
    if len(seeds) < TARGET_SEEDS:
        print(f"(the wall-time target is for {TARGET_SEEDS} seeds; this run has {len(seeds)})")
    load_at_end = os.getloadavg()[0]
    print(f"Machine: {os.cpu_count()} CPUs, load average {load_at_start:.2f} at the start, "
          f"{load_at_end:.2f} at the end")
    record.update(complete=True, reached_at_end=solved, median_final_return=median_final,
                  ratio_sb3_wall_over_ours_wall=ratio, targets=targets)
    record["machine"]["load_average_at_end"] = load_at_end
    write_json(out, record)
    print(f"wrote {out}")
    return 0 if all(list(targets.values())[:1]) else 1  # the clock is the machine's, not the code's


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--quick", action="store_true",
                        help="seed 0 only (unless --seeds) and SB3 at 12k steps: a smoke check")
    parser.add_argument("--workers", type=batches.workers_argument, default=None, metavar="N",
                        help="train all the seeds at once on N processes (ours through "
                             "rlcourse.sweep.train_seeds, then SB3) and compare the wall times of "
                             "the two batches")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    seeds = [0] if args.quick and "--seeds" not in (argv or sys.argv) else args.seeds
    sb3_steps = 12_000 if args.quick else SB3_STEPS
    config = ddpg.default_config(ENV_ID)
    if args.workers is not None:
        generic = {k: os.environ.get(k) for k in ("ATEN_CPU_CAPABILITY", "MKL_CBWR") if os.environ.get(k)}
        if len(set(seeds)) != len(seeds) or min(seeds) < 0:
            parser.error(f"--workers trains each seed once: give distinct non-negative --seeds, got {seeds}")
        if importlib.util.find_spec("stable_baselines3") is None:
            parser.error("--workers compares with Stable-Baselines3, which is not installed: "
                         "pip install -r benchmarks/requirements.txt")
        if config.final_eval_episodes != FINAL_EPISODES:  # train_seeds grades on the config's count
            parser.error(f"ddpg's defaults grade on {config.final_eval_episodes} held-out episodes, "
                         f"this benchmark on {FINAL_EPISODES}: make FINAL_EPISODES match them")
        os.environ.setdefault("RLCOURSE_PROGRESS", "0")
        torch.set_num_threads(1)
        out = args.out or PARALLEL_RESULTS.with_name(
            PARALLEL_RESULTS.stem + ("_generic" if generic else "") + ".json")
        return _main_parallel(seeds, args.workers, config, sb3_steps, generic, out)
    args.out = args.out or RESULTS
    os.environ.setdefault("RLCOURSE_PROGRESS", "0")
    torch.set_num_threads(1)
    print(f"DDPG on {ENV_ID}, seeds {seeds}: ours (CLI defaults, {config.steps} steps) vs "
          f"Stable-Baselines3 (RL Zoo hyperparameters, {sb3_steps} steps)")
    print(f"Both: greedy evaluation every {config.eval_every} steps on {config.eval_episodes} "
          f"validation episodes, EXCLUDED from the training clock; final return = mean of "
          f"{FINAL_EPISODES} held-out episodes of the final agent; 1 torch thread. "
          f"Load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs.")
    results: dict[str, list[dict[str, Any]]] = {"ours": [], "sb3": []}
    record = {"env_id": ENV_ID, "seeds": seeds, "threshold": THRESHOLD,
              "final_episodes": FINAL_EPISODES, "eval_every": config.eval_every,
              "eval_episodes": config.eval_episodes, "eval_time_excluded_from_training_clock": True,
              "torch_threads": 1, "ours_config": dataclasses.asdict(config),
              "sb3_hyperparameters": {**SB3_ZOO, "action_noise": f"NormalActionNoise(sigma={SB3_NOISE_STD})"}, "sb3_steps": sb3_steps, "results": results,
              "complete": False, "versions": library_versions()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for seed in seeds:
        results["ours"].append(run_ours(seed))
        print(_row(f"ours  seed {seed}", results["ours"][-1]), flush=True)
        results["sb3"].append(run_sb3(seed, sb3_steps, config.eval_every, config.eval_episodes))
        print(_row(f"SB3   seed {seed}", results["sb3"][-1]), flush=True)
        write_json(args.out, record)  # partial results survive an interrupted run

    medians = {name: {key: _median(records, key) for key, _, _ in COLUMNS}
               for name, records in results.items()}
    print()
    print(f"{'median':<14}" + " ".join(fmt.format(title) for _, title, fmt in COLUMNS))
    for name, label in [("ours", "ours"), ("sb3", "SB3")]:
        print(_row(label, medians[name]))
    solved = {name: sum(r["reached_at_end"] for r in records) for name, records in results.items()}
    ratios = {
        "wall seconds to first reach -200": _ratio(medians["sb3"]["first_solved_seconds"],
                                              medians["ours"]["first_solved_seconds"]),
        "total training seconds": _ratio(medians["sb3"]["train_seconds"],
                                         medians["ours"]["train_seconds"]),
        "env steps per second": _ratio(medians["sb3"]["steps_per_second"],
                                       medians["ours"]["steps_per_second"], higher_is_better=True),
        "env steps to first reach -200": _ratio(medians["sb3"]["first_solved_step"],
                                           medians["ours"]["first_solved_step"]),
    }
    print()
    print(f"reached at the end (final return >= {THRESHOLD:g}): ours {solved['ours']}/{len(seeds)}, "
          f"SB3 {solved['sb3']}/{len(seeds)}")
    for what, text in ratios.items():
        print(f"ours vs SB3, {what}: {text}")
    finals = [r["final_mean_return"] for r in results["ours"]]
    train_s = medians["ours"]["train_seconds"]
    sb3_final, sb3_train = medians["sb3"]["final_mean_return"], medians["sb3"]["train_seconds"]
    targets = {
        f"ours: {len(seeds)}/{len(seeds)} seeds reach a final return >= -200 within 20,000 steps":
            solved["ours"] == len(seeds) and config.steps <= 20_000,
        "ours: median final return >= -160": statistics.median(finals) >= -160,
        "ours: median training time <= 40 s (depends on the machine's load)": train_s <= 40.0,
        "ours: >= 4x faster than SB3 (training seconds) at an equal or better final return "
        "(median within 5 of SB3's; a 20-episode mean has a standard error near 18 here)":
            sb3_train / train_s >= 4.0 and statistics.median(finals) >= sb3_final - 5.0,
    }
    print()
    for what, met in targets.items():
        print(f"target {'MET   ' if met else 'MISSED'} {what}")
    record.update(complete=True, medians=medians, reached_at_end=solved, ratios_sb3_over_ours=ratios,
                  targets=targets,
                  machine={"cpus": os.cpu_count(), "load_average_at_end": os.getloadavg()[0],
                           "platform": platform.platform()})
    write_json(args.out, record)
    print(f"wrote {args.out}")
    learning_targets = list(targets.values())[:2]  # the clock is the machine's, not the code's
    return 0 if all(learning_targets) else 1


if __name__ == "__main__":
    sys.exit(main())
