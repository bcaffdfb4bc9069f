"""Train the same short runs with two revisions' code and compare them bit for bit.

A change that only reorganises code (a refactoring) must leave training untouched: the same seed
gives byte-identical ``metrics.csv`` and identical weights. Float rounding differs from one CPU
model to another, so a fingerprint stored in the repository would break on another machine;
instead both revisions run here, one after the other, on this machine and this interpreter.

    .venv/bin/python tools/compare_revisions.py 639f4f4          # that revision vs the work tree
    .venv/bin/python tools/compare_revisions.py 639f4f4 HEAD     # two revisions
    .venv/bin/python tools/compare_revisions.py 639f4f4 --cases quick   # the suite's smaller set

A revision is exported with ``git archive`` into a temporary folder (the repository's own work
tree, index and worktree list are never touched), and each side trains in its own Python process
whose ``rlcourse`` is imported from that folder. Each case trains one algorithm for a few hundred
steps through the command line (``rlcourse train ...``, the interface every revision shares) or,
for resuming from a checkpoint, through ``<algo>.train(checkpoint_dir=..., resume_from=...)``.
The fingerprint of a case is the SHA-256 of its ``metrics.csv`` bytes, of every tensor in its
checkpoint, and of the held-out returns in its ``eval.json`` (its ``train_seconds`` is a clock,
and left out). Exit status 0: every case identical; 1: a case differs (each difference is named).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: A case: a name, and either the ``rlcourse train`` arguments (``cli``) or a checkpoint resume
#: (``resume``: ``algo, env_id, seed, overrides, first steps, total steps``). Every one takes a
#: few seconds at most; together they pass through updates, target syncs, periodic evaluations,
#: the stop rule, checkpoints and both exploration noises.
CASES: dict[str, dict[str, Any]] = {
    "dqn": {"cli": ["dqn", "--env", "CartPole-v1", "--seed", "3", "--steps", "700",
                    "--set", "learning_starts=200", "--set", "eval_every=350",
                    "--set", "final_eval_episodes=3"]},
    "dqn-stop-rule": {"cli": ["dqn", "--env", "CartPole-v1", "--seed", "1", "--steps", "900",
                              "--set", "learning_starts=100", "--set", "eval_every=300",
                              "--set", "stop_at_return=8", "--set", "stop_eval_episodes=6",
                              "--set", "final_eval_episodes=2"]},
    "dqn-ablations": {"cli": ["dqn", "--env", "CartPole-v1", "--seed", "2", "--steps", "400",
                              "--set", "learning_starts=100", "--set", "use_replay=false",
                              "--set", "use_target_network=false", "--set", "double_dqn=false",
                              "--set", "gradient_steps=2", "--set", "eval_every=200",
                              "--set", "final_eval_episodes=2"]},
    "ddpg": {"cli": ["ddpg", "--env", "Pendulum-v1", "--seed", "3", "--steps", "600",
                     "--set", "learning_starts=200", "--set", "eval_every=300",
                     "--set", "final_eval_episodes=2"]},
    "ddpg-ou": {"cli": ["ddpg", "--env", "Pendulum-v1", "--seed", "1", "--steps", "400",
                        "--set", "learning_starts=100", "--set", "noise=ou",
                        "--set", "train_every=2", "--set", "gradient_steps=2",
                        "--set", "eval_every=200", "--set", "final_eval_episodes=2"]},
    "qlearning": {"cli": ["qlearning", "--env", "FrozenLake-v1", "--seed", "3",
                          "--episodes", "400", "--set", "eval_every=100",
                          "--set", "final_eval_episodes=50"]},
    "sarsa": {"cli": ["sarsa", "--env", "CliffWalking-v1", "--seed", "2", "--episodes", "40"]},
    "qlearning-steps": {"cli": ["qlearning", "--env", "Taxi-v4", "--seed", "1", "--steps", "3000",
                                "--set", "eval_every=20", "--set", "final_eval_episodes=20"]},
    "dqn-resume": {"resume": ["dqn", "CartPole-v1", 5, {"learning_starts": 100, "eval_every": 200,
                                                        "stop_at_return": None}, 400, 700]},
    "ddpg-resume": {"resume": ["ddpg", "Pendulum-v1", 5, {"learning_starts": 100,
                                                          "eval_every": 200}, 400, 600]},
}

#: One case per algorithm on the smallest budgets that still update, evaluate and checkpoint:
#: a few seconds for both sides together, for the test suite.
QUICK: dict[str, dict[str, Any]] = {
    "dqn-quick": {"cli": ["dqn", "--env", "CartPole-v1", "--seed", "3", "--steps", "300",
                          "--set", "learning_starts=100", "--set", "eval_every=150",
                          "--set", "eval_episodes=2", "--set", "final_eval_episodes=2"]},
    "ddpg-quick": {"cli": ["ddpg", "--env", "Pendulum-v1", "--seed", "3", "--steps", "200",
                           "--set", "learning_starts=100", "--set", "eval_every=200",
                           "--set", "eval_episodes=1", "--set", "final_eval_episodes=1"]},
    "qlearning-quick": {"cli": ["qlearning", "--env", "FrozenLake-v1", "--seed", "3",
                                "--episodes", "100", "--set", "eval_every=50",
                                "--set", "eval_episodes=20", "--set", "final_eval_episodes=20"]},
    "sarsa-quick": {"cli": ["sarsa", "--env", "CliffWalking-v1", "--seed", "2",
                            "--episodes", "10", "--set", "eval_every=5"]},
}

#: What runs inside each side's own process, with ``rlcourse`` imported from that side's folder.
#: It only uses interfaces that both revisions have (the command line, ``train``,
#: ``default_config``), and prints one JSON object: case name -> fingerprint.
_CHILD = r'''
import dataclasses, hashlib, importlib, json, sys
from pathlib import Path

root, out, cases = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
import rlcourse
from rlcourse.cli import main as cli_main
from safetensors.numpy import load_file

here = Path(rlcourse.__file__).resolve().parent
if here != root / "rlcourse":
    sys.exit(f"rlcourse was imported from {here}, not from {root / 'rlcourse'}")

def sha(data):
    return hashlib.sha256(data).hexdigest()

def weights(folder):
    tensors = {}
    for path in sorted(folder.rglob("*.safetensors")):
        for name, array in sorted(load_file(path).items()):
            tensors[f"{path.relative_to(folder)}:{name}"] = sha(array.tobytes()) + str(array.shape)
    return tensors

prints = {}
for name, case in cases.items():
    run_dir = out / name
    if "cli" in case:
        code = cli_main(["train", *case["cli"], "--out", str(run_dir), "--no-progress"])
        if code != 0:
            sys.exit(f"case {name}: rlcourse train exited with {code}")
        record = json.loads((run_dir / "eval.json").read_text())
        prints[name] = {"metrics.csv": sha((run_dir / "metrics.csv").read_bytes()),
                        "weights": weights(run_dir / "model"),
                        "eval.json returns": sha(json.dumps(record["returns"]).encode())}
    else:
        algo, env_id, seed, overrides, first_steps, steps = case["resume"]
        module = importlib.import_module(f"rlcourse.{algo}")
        config = dataclasses.replace(module.default_config(env_id), **overrides)
        module.train(env_id, config, seed=seed, steps=first_steps, checkpoint_dir=run_dir / "first")
        run = module.train(env_id, config, seed=seed, steps=steps, resume_from=run_dir / "first",
                           checkpoint_dir=run_dir / "resumed")
        run.metrics.to_csv(run_dir / "metrics.csv")
        prints[name] = {"metrics.csv": sha((run_dir / "metrics.csv").read_bytes()),
                        "weights": weights(run_dir / "resumed")}
print(json.dumps(prints))
'''


def export_revision(revision: str, into: Path, repo: Path = ROOT) -> Path:
    """Write the files of ``revision`` into the folder ``into`` (``git archive``); returns it.

    Raises:
        ValueError: ``revision`` is not a commit of ``repo`` (the message says how to get it).
    """
    found = subprocess.run(["git", "-C", str(repo), "rev-parse", "--verify", "--quiet",
                            f"{revision}^{{commit}}"], capture_output=True, text=True)
    if found.returncode != 0:
        raise ValueError(f"{revision!r} is not a commit of {repo}: check the name, or fetch the "
                         "history it is in (a shallow clone lacks older commits: git fetch --unshallow)")
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "revision.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "-C", str(repo), "archive", "--format=tar", found.stdout.strip()],
                       stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return into


def fingerprint(root: Path, cases: dict[str, dict[str, Any]], out: Path) -> dict[str, Any]:
    """Train ``cases`` with the ``rlcourse`` found in ``root`` and return their fingerprints.

    Runs in a fresh interpreter (this one's, so the same versions of torch and numpy) whose
    ``rlcourse`` is imported from ``root``; run directories are written under ``out``.
    """
    env = {**os.environ, "PYTHONPATH": str(root), "RLCOURSE_PROGRESS": "0",
           "SDL_VIDEODRIVER": "dummy", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(out), json.dumps(cases)],
                          env=env, cwd=out.parent, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"training with the code in {root} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def differences(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """One line per case and part (``metrics.csv``, a tensor, the returns) that is not identical."""
    lines = []
    for name in sorted(set(base) | set(head)):
        if name not in base or name not in head:
            lines.append(f"{name}: only in {'head' if name in head else 'base'}")
            continue
        for part in sorted(set(base[name]) | set(head[name])):
            old, new = base[name].get(part), head[name].get(part)
            if isinstance(old, dict) and isinstance(new, dict):
                changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
                lines += [f"{name}: {part} {key} differs" for key in changed]
            elif old != new:
                lines.append(f"{name}: {part} differs")
    return lines


def compare(base_revision: str, head_revision: str | None = None,
            cases: dict[str, dict[str, Any]] = CASES, repo: Path = ROOT) -> list[str]:
    """Train ``cases`` with both revisions' code; returns the differences (empty: identical).

    ``head_revision`` None means the work tree of ``repo`` as it is, uncommitted changes included.
    """
    with tempfile.TemporaryDirectory(prefix="compare-revisions-") as tmp:
        tmp_path = Path(tmp)
        base_root = export_revision(base_revision, tmp_path / "base" / "code", repo)
        head_root = (repo if head_revision is None
                     else export_revision(head_revision, tmp_path / "head" / "code", repo))
        (tmp_path / "base" / "runs").mkdir()
        (tmp_path / "head" / "runs").mkdir(parents=True, exist_ok=True)
        base = fingerprint(base_root, cases, tmp_path / "base" / "runs")
        head = fingerprint(head_root, cases, tmp_path / "head" / "runs")
    return differences(base, head)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the reference revision (a commit, branch or tag)")
    parser.add_argument("head", nargs="?", help="the revision to check (default: the work tree)")
    parser.add_argument("--cases", default="all",
                        help=f"'all' ({', '.join(CASES)}), 'quick' ({', '.join(QUICK)}) or "
                             "names of either, separated by commas")
    args = parser.parse_args(argv)
    known = {**CASES, **QUICK}
    names = (list(CASES) if args.cases == "all" else list(QUICK) if args.cases == "quick"
             else [name.strip() for name in args.cases.split(",")])
    unknown = [name for name in names if name not in known]
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; the cases are {', '.join(known)}")
    try:
        found = compare(args.base, args.head, {name: known[name] for name in names})
    except ValueError as error:
        parser.error(str(error))
    head = args.head or "the work tree"
    if found:
        print(f"{len(found)} difference(s) between {args.base} and {head}:")
        print("\n".join(f"  {line}" for line in found))
        return 1
    print(f"identical: {len(names)} case(s) ({', '.join(names)}) train bit for bit the same in "
          f"{args.base} and {head}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
