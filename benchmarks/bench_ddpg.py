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

Writes ``benchmarks/results/ddpg_pendulum.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import dataclasses
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

ENV_ID = "Pendulum-v1"
THRESHOLD = SOLVED_THRESHOLDS[ENV_ID]
FINAL_EPISODES = 20
RESULTS = Path(__file__).resolve().parent / "results" / "ddpg_pendulum.json"

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
            "train_seconds": round(train_seconds, 2), "wall_seconds": round(wall, 2),
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


def _row(label: str, record: dict[str, Any]) -> str:
    cells = [fmt.format("-" if record[key] is None else
                        round(record[key], 2) if isinstance(record[key], float) else record[key])
             for key, _, fmt in COLUMNS]
    return f"{label:<14}" + " ".join(cells)


def _ratio(sb3: float | None, ours: float | None, *, higher_is_better: bool = False) -> str:
    if sb3 is None or ours is None or ours == 0 or sb3 == 0:
        return "n/a (a side never solved)"
    ratio = ours / sb3 if higher_is_better else sb3 / ours
    return f"{ratio:.1f}x {'faster' if ratio >= 1 else 'slower'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--quick", action="store_true",
                        help="seed 0 only (unless --seeds) and SB3 at 12k steps: a smoke check")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    seeds = [0] if args.quick and "--seeds" not in (argv or sys.argv) else args.seeds
    sb3_steps = 12_000 if args.quick else SB3_STEPS
    config = ddpg.default_config(ENV_ID)
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
