"""The command line: ``rlcourse train | evaluate | doctor | exercises`` (also ``python -m rlcourse``).

Examples::

    rlcourse train qlearning --env FrozenLake-v1 --seed 0 --out runs/fl0
    rlcourse train dqn --env CartPole-v1 --seed 1 --set lr=5e-4 --out runs/cp1
    rlcourse train dqn --env CartPole-v1 --seeds 0-4 --set lr=1e-3,5e-4 --out runs/cp-lr
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

from rlcourse.i18n import _
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
    seeding = train.add_mutually_exclusive_group()
    seeding.add_argument("--seed", type=int, default=0)
    seeding.add_argument("--seeds", metavar="SEEDS",
                         help="train one run per seed, e.g. 0-4 or 0,2,5 (with --set key=v1,v2: "
                              "per seed and setting), in parallel; writes summary.json, seeds.png")
    budget = train.add_mutually_exclusive_group()
    budget.add_argument("--steps", type=int,
                        help="env steps to train for at most (default: the tuned budget; DQN on "
                             "CartPole stops earlier once solved)")
    budget.add_argument("--episodes", type=int, help="episodes to train for (default: the tuned budget)")
    train.add_argument("--out", type=Path, help="run directory (default: runs/ALGO-ENV-sSEED, "
                                                "with --seeds runs/ALGO-ENV-seeds)")
    train.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="overrides",
                       help="override one hyperparameter; repeatable; with --seeds, KEY=V1,V2 "
                            "sweeps the values (tuples in parentheses: hidden=(64,64),(256,256))")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep = train.add_argument_group("with --seeds")
    sweep.add_argument("--workers", type=int,
                       help="worker processes, one torch thread each (default: one per core)")
    sweep.add_argument("--resume", action="store_true",
                       help="--out holds this sweep already: train only the runs that did not finish")
    sweep.add_argument("--ray", metavar="ADDRESS", dest="ray_address",
                       help="send each run to this Ray cluster as a task (default: "
                            "$RLCOURSE_RAY_ADDRESS; needs pip install 'rlcourse[cluster]')")

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
        print(_("rlcourse {command}: error: {error}").format(command=args.command, error=exc), file=sys.stderr)
        return 2
    except NonFiniteLossError as exc:  # the run directory keeps the last good checkpoint
        print(_("rlcourse {command}: error: {error}").format(command=args.command, error=exc), file=sys.stderr)
        return 1
    return 0


def _train(args: argparse.Namespace) -> int:
    from rlcourse.envs import make_env

    if args.seeds is not None:
        return _train_seeds(args)
    for flag, value in (("--workers", args.workers), ("--resume", args.resume or None),
                        ("--ray", args.ray_address)):
        if value is not None:
            raise ValueError(_("{flag} applies to many seeds: pass --seeds (e.g. --seeds 0-4)").format(flag=flag))

    make_env(args.env_id).close()  # an unknown id fails here, before anything is written
    out = args.out or Path("runs") / f"{args.algo}-{args.env_id}-s{args.seed}"
    record = _algorithm_module(args.algo).train_run(
        args.algo, args.env_id, seed=args.seed, steps=args.steps, episodes=args.episodes,
        out=out, overrides=args.overrides, progress=not args.no_progress)
    print(json.dumps(record, indent=2))
    return 0


def _train_seeds(args: argparse.Namespace) -> int:
    from rlcourse.sweep import parse_set_lists, train_seeds

    settings, common = parse_set_lists(args.algo, args.env_id, args.overrides)
    sweep = train_seeds(args.algo, args.env_id, args.seeds,
                        out=args.out or Path("runs") / f"{args.algo}-{args.env_id}-seeds",
                        settings=settings, overrides=common, steps=args.steps,
                        episodes=args.episodes, workers=args.workers, resume=args.resume,
                        ray_address=args.ray_address, progress=not args.no_progress)
    if args.no_progress:  # progress prints the table itself; the table is the command's output
        print(sweep.table())
    if sweep.interrupted:
        return 130  # the shell's code for a command stopped by Ctrl-C
    return 1 if any(run.status == "failed" for run in sweep.runs) else 0


def _evaluate(args: argparse.Namespace) -> int:
    from rlcourse.envs import HELDOUT_SEED, evaluate
    from rlcourse.runs import eval_record, read_json

    run_dir: Path = args.run_dir
    if not (run_dir / "config.json").is_file():
        raise FileNotFoundError(_("{folder} has no config.json: is it a directory written by "
                                  "`rlcourse train --out DIR`?").format(folder=run_dir))
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
