"""The command line: ``rlcourse train | evaluate | doctor | exercises`` (also ``python -m rlcourse``).

Examples::

    rlcourse train qlearning --env FrozenLake-v1 --seed 0 --out runs/fl0
    rlcourse train dqn --env CartPole-v1 --seed 1 --set lr=5e-4 --out runs/cp1
    rlcourse evaluate runs/cp1 --episodes 20
    rlcourse doctor

Each algorithm module registered in :data:`ALGORITHMS` provides two functions:

* ``train_run(algo, env_id, *, seed, steps, episodes, out, overrides, progress) -> dict``: train with
  the tuned defaults for ``env_id`` (plus ``--set`` overrides), write the run directory
  (see :mod:`rlcourse.runs`) and return the ``eval.json`` record;
* ``load_policy(run_dir) -> policy``: the saved agent's greedy policy, ``obs -> action``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from rlcourse.runs import NonFiniteLossError

#: algorithm name -> module that implements it
ALGORITHMS = {
    "qlearning": "rlcourse.tabular",
    "sarsa": "rlcourse.tabular",
    "dqn": "rlcourse.dqn",
    "ddpg": "rlcourse.ddpg",
}


def _algorithm_module(algo: str):
    return importlib.import_module(ALGORITHMS[algo])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rlcourse", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train an agent with the tuned defaults for an env")
    train.add_argument("algo", choices=sorted(ALGORITHMS))
    train.add_argument("--env", required=True, dest="env_id", help="gymnasium env id, e.g. CartPole-v1")
    train.add_argument("--seed", type=int, default=0)
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int,
                        help="env steps to train for at most (default: the tuned budget; DQN on "
                             "CartPole stops earlier once solved)")
    budget.add_argument("--episodes", type=int, help="episodes to train for (default: the tuned budget)")
    train.add_argument("--out", type=Path, help="run directory (default: runs/ALGO-ENV-sSEED)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                       help="override one hyperparameter; repeatable")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")

    evaluate = sub.add_parser("evaluate", help="greedy evaluation of a saved run on held-out seeds")
    evaluate.add_argument("run_dir", type=Path)
    evaluate.add_argument("--episodes", type=int, help="default: as many as the run's eval.json")
    evaluate.add_argument("--seed", type=int, help="first held-out seed (default: the course's)")

    sub.add_parser("doctor", help="check the set-up: versions, threads, device, every course env")

    exercises = sub.add_parser("exercises", help="instructor tools for the exercise notebooks")
    exercises.add_argument("action", choices=["build", "check"],
                           help="build: write learner versions from the solutions; "
                                "check: fail if the committed learner versions are stale")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "train":
            return _train(args)
        if args.command == "evaluate":
            return _evaluate(args)
        if args.command == "doctor":
            from rlcourse.doctor import main as doctor_main

            return doctor_main()
        if args.command == "exercises":
            from rlcourse.exercise_build import main as exercises_main

            return exercises_main(args.action)
    except (ValueError, FileNotFoundError) as exc:
        print(f"rlcourse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except NonFiniteLossError as exc:  # the run directory keeps the last good checkpoint
        print(f"rlcourse {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _train(args: argparse.Namespace) -> int:
    from rlcourse.envs import make_env

    make_env(args.env_id).close()  # an unknown id fails here, before anything is written
    out = args.out or Path("runs") / f"{args.algo}-{args.env_id}-s{args.seed}"
    record = _algorithm_module(args.algo).train_run(
        args.algo, args.env_id, seed=args.seed, steps=args.steps, episodes=args.episodes,
        out=out, overrides=args.overrides, progress=not args.no_progress)
    print(json.dumps(record, indent=2))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from rlcourse.envs import HELDOUT_SEED, evaluate
    from rlcourse.runs import eval_record, read_json

    run_dir: Path = args.run_dir
    if not (run_dir / "config.json").is_file():
        raise FileNotFoundError(f"{run_dir} has no config.json: is it a directory written by "
                                "`rlcourse train --out DIR`?")
    config = read_json(run_dir / "config.json")
    stored = read_json(run_dir / "eval.json") if (run_dir / "eval.json").is_file() else {}
    algo = config["algo"]
    policy = _algorithm_module(algo).load_policy(run_dir)
    episodes = args.episodes or stored.get("episodes", 20)
    result = evaluate(config["env_id"], policy, episodes=episodes,
                      seed=HELDOUT_SEED if args.seed is None else args.seed)
    record = eval_record(env_id=config["env_id"], algo=algo, seed=config["seed"], result=result,
                         first_solved_step=stored.get("first_solved_step"),
                         train_seconds=stored.get("train_seconds", float("nan")))
    print(json.dumps(record, indent=2))
    return 0
