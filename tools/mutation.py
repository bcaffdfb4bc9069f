"""Mutation testing of the algorithm modules: each module against its own test file only.

    python tools/mutation.py                 # every module in MODULES, then the report
    python tools/mutation.py dqn replay      # only these modules (their old results are replaced)
    python tools/mutation.py dqn --mutants 'rlcourse.dqn.x_td_target*'
                                             # a part of one module; the results of its other
                                             # mutants are carried over where their function
                                             # is unchanged (see carry_over)
    python tools/mutation.py --report-only   # rewrite the report from the results kept in build/
                                             # (a module without any keeps its row of mutation.json)

A mutant is a small change to one line (``<`` for ``<=``, ``+`` for ``-``, ``x`` for ``None``...);
a good test file fails on it. The tool is mutmut 3 (``make mutation`` installs the ``mutation``
extra): it records which tests run each function, then runs only those tests per mutant, fastest
first, stopping at the first failure, in a process forked from a warm server.

Each module runs in its own copy of the project under ``build/mutation/<module>/`` with
``tests/test_<module>.py`` as the whole test selection, so a mutant counts as killed only when
the module's own tests catch it, not when another module's tests happen to. The learning tests
(``-m learning``) and the notebooks are never run. One worker: the course's machines have 2 cores.

The report ``benchmarks/results/mutation.md`` (and ``mutation.json``) gives per module the mutants
generated, killed, timed out, survived and judged equivalent. A survivor is *equivalent* when no
test can tell it from the original (the behaviour is the same); each such judgement is kept in
``benchmarks/results/mutation_equivalent.json`` as ``{mutant name: one-line reason}``; every
other survivor is listed as a gap in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "mutation"
RESULTS = ROOT / "benchmarks" / "results"
EQUIVALENT = RESULTS / "mutation_equivalent.json"

MODULES = ("tabular", "replay", "networks", "dqn", "ddpg", "envs", "checkpoints", "runs", "training")

#: mutmut exit codes (mutmut/stats.py) folded into the report's columns. pytest's 2 (mutmut: "check
#: was interrupted by user") is *not* counted as killed: in one long dqn run 479 mutants ended with
#: it, and rerun, 10 of them survived (exit 0) while the rest were killed (exit 1); a run that ended
#: interrupted says nothing about the mutant. Such results are reported as "interrupted", a gap to
#: rerun (``--resume --mutants NAME ...``), until a rerun gives a real verdict.
STATUS = {1: "killed", 2: "interrupted", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout"}

# A mutant that loops for ever is stopped after (its tests' measured seconds + TIMEOUT_CONSTANT)
# times TIMEOUT_MULTIPLIER of wall time. mutmut's default multiplier, 15, lets one stuck training
# loop cost an hour on a 2-core machine; the constant covers starting pytest in the forked worker
# on a loaded machine, without which a mutant that a fast test kills at once was cut off first.
TIMEOUT_MULTIPLIER = 3
TIMEOUT_CONSTANT = 10

SETUP_CFG = """\
[mutmut]
source_paths = rlcourse/
only_mutate = rlcourse/{module}.py
pytest_add_cli_args_test_selection = tests/test_{module}.py
pytest_add_cli_args =
    -p
    no:xdist
    -p
    no:cacheprovider
    -m
    not learning
process_isolation = forkserver
timeout_multiplier = {multiplier}
timeout_constant = {constant}
use_git_change_detection = false
"""


def run_module(module: str, patterns: list[str], resume: bool) -> dict:
    """Mutation-test ``rlcourse/<module>.py`` against ``tests/test_<module>.py``; its results.

    ``patterns`` (mutmut's mutant names, ``*`` allowed) limits the run to those mutants, and
    ``resume`` keeps the earlier run's work directory (its record of which tests run which
    function), taking the current tests: to retry survivors after the tests were improved.
    """
    work = WORK / module
    if not resume:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        shutil.copytree(ROOT / "rlcourse", work / "rlcourse", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")
        (work / "setup.cfg").write_text(SETUP_CFG.format(
            module=module, multiplier=TIMEOUT_MULTIPLIER, constant=TIMEOUT_CONSTANT))
    for tests in (work / "tests", work / "mutants" / "tests"):
        if tests.parent.exists():
            shutil.copytree(ROOT / "tests", tests, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__"))
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    start = time.perf_counter()
    with open(work / "mutmut.log", "a" if resume else "w") as log:
        code = subprocess.call([sys.executable, "-m", "mutmut", "run", "--max-children", "1",
                                *patterns], cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"mutmut failed on {module} (exit {code}); see {work / 'mutmut.log'}")
    seconds_file = work / "seconds.txt"
    if not patterns:  # a whole-module run: its time is the module's
        seconds_file.write_text(f"{round(seconds)}\n")
    with open(work / "runs.txt", "a" if resume else "w") as runs:  # what the report says was run
        runs.write(f"{' '.join(patterns) or 'all mutants'} ({seconds / 60:.1f} min)\n")
    return collect(module)


def collect(module: str) -> dict:
    """The results kept in ``build/mutation/<module>/``, also of a run stopped with Ctrl-C (its
    mutants not yet tried count as "not run")."""
    work = WORK / module
    meta = json.loads((work / "mutants" / "rlcourse" / f"{module}.py.meta").read_text())
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    mutants = {}
    for name, exit_code in sorted(meta["exit_code_by_key"].items()):
        status = "not run" if exit_code is None else STATUS.get(exit_code, f"exit {exit_code}")
        entry = {"status": status}
        if status not in ("killed", "not run"):
            entry["diff"] = subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work,
                                           env=env, capture_output=True, text=True).stdout.strip()
        mutants[name] = entry
    seconds_file = work / "seconds.txt"
    seconds = int(seconds_file.read_text()) if seconds_file.exists() else None
    runs_file = work / "runs.txt"
    record = {"module": f"rlcourse/{module}.py", "tests": f"tests/test_{module}.py",
              "seconds": seconds, "mutants": mutants,
              "runs": runs_file.read_text().splitlines() if runs_file.exists() else [],
              # mutmut's hash of each function's source: a later run may reuse these results for a
              # function whose hash is unchanged (see carry_over)
              "hashes": meta.get("hash_by_function_name", {})}
    (work / "result.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


CARRIED_NOTE = ("results carried from earlier runs (their functions unchanged: same mutmut hash), "
                "tried against the tests of their time")


def function_of(mutant: str) -> str:
    """mutmut's key of the function a mutant changes: ``rlcourse.dqn.x_td_target__mutmut_3`` ->
    ``x_td_target`` (a method's is ``xǁClassǁname``)."""
    return mutant.rsplit(".", 1)[-1].rsplit("__mutmut_", 1)[0]


def carry_over(record: dict, previous: dict | None) -> dict:
    """``record`` with each mutant it did not run taken from ``previous`` (the module's record of
    an earlier run) where that run tried it and the function's source is unchanged (same mutmut
    hash, so the same mutants under the same names). A whole module is one to two hours of one
    worker here: this lets it be measured in parts, across checkouts (build/ is not committed).
    Carried entries say so (``"carried": true``); the runs list says how many."""
    if not previous or not previous.get("hashes"):
        return record
    old_hashes, new_hashes = previous["hashes"], record.get("hashes", {})
    mutants, carried = dict(record["mutants"]), 0
    for name, entry in record["mutants"].items():
        old = previous["mutants"].get(name)
        function = function_of(name)
        if (entry["status"] == "not run" and old and old["status"] != "not run"
                and function in new_hashes and old_hashes.get(function) == new_hashes[function]):
            mutants[name] = {**old, "carried": True}
            carried += 1
    if not carried:
        return record
    note = f"{carried} {CARRIED_NOTE}"
    runs = [line for line in previous.get("runs", [])
            if not line.endswith(CARRIED_NOTE) and line not in record["runs"]]
    return {**record, "mutants": mutants, "runs": [*runs, *record["runs"], note]}


def gather(previous: list[dict]) -> list[dict]:
    """Each module's record, in the order of :data:`MODULES`: collected from ``build/mutation/``
    where the module ran in this checkout, else kept from ``previous`` (the records of the last
    ``mutation.json``), so that a checkout which ran some modules only (build/ is not committed)
    does not drop the others' results from the report. A module run here in part takes the
    earlier results of the mutants it did not run, where their functions are unchanged
    (:func:`carry_over`)."""
    kept = {record["module"]: record for record in previous}
    records = []
    for module in MODULES:
        if (WORK / module / "mutants" / "rlcourse" / f"{module}.py.meta").exists():
            records.append(carry_over(collect(module), kept.get(f"rlcourse/{module}.py")))
        elif f"rlcourse/{module}.py" in kept:
            records.append(kept[f"rlcourse/{module}.py"])
    return records


def report(records: list[dict], equivalent: dict[str, str]) -> str:
    """The markdown report of ``records`` (what :func:`collect` returns), with the survivors
    named in ``equivalent`` (``{mutant name: reason}``) counted and listed as equivalent."""
    lines = ["# Mutation testing of the algorithm modules", "",
             "Made by `make mutation` (`tools/mutation.py`, mutmut 3): each module against its own "
             "test file only, learning tests and notebooks excluded, one worker. *Killed* counts "
             "mutants that failed a test or ran past the time limit (a loop that never ends); "
             "*equivalent* survivors behave exactly like the original (reason given); every other "
             "survivor is a gap in the tests.", "",
             "| module | tests | generated | not run | killed | timeout | survived | equivalent | "
             "no tests | killed of the non-equivalent run | minutes |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    details = []
    totals = dict.fromkeys(("generated", "not run", "killed", "timeout", "survived", "equivalent",
                            "no tests"), 0)
    for record in records:
        counts = dict.fromkeys(totals, 0)
        gaps, same = [], []
        for name, entry in record["mutants"].items():
            counts["generated"] += 1
            status = entry["status"]
            if status == "survived" and name in equivalent:
                counts["equivalent"] += 1
                same.append((name, entry, equivalent[name]))
            elif status in counts:
                counts[status] += 1
                if status not in ("killed", "timeout", "not run"):
                    gaps.append((name, entry))
            else:
                counts["survived"] += 1
                gaps.append((name, entry))
        for key in totals:
            totals[key] += counts[key]
        lines.append(f"| `{record['module']}` | `{record['tests']}` | {_row(counts)} | "
                     f"{_minutes(record['seconds'])} |")
        details += [f"## `{record['module']}`", ""]
        if record.get("runs"):
            details += ["Runs: " + "; ".join(f"`{run}`" for run in record["runs"]), ""]
        if gaps:
            details += ["Survivors not judged equivalent (gaps in the tests):", ""]
            for name, entry in gaps:
                details += [f"- `{name}` ({entry['status']})", "", "```diff",
                            _diff_body(entry.get("diff", "")), "```", ""]
        if same:
            details += ["Equivalent survivors:", ""]
            for name, entry, reason in same:
                details += [f"- `{name}`: {reason}", "", "```diff", _diff_body(entry.get("diff", "")),
                            "```", ""]
    seconds = [r["seconds"] for r in records]
    lines.append(f"| all | | {_row(totals)} | "
                 f"{_minutes(sum(seconds) if None not in seconds else None)} |")
    stale = sorted(set(equivalent) - {name for r in records for name in r["mutants"]})
    if stale:
        details += ["Judged equivalent earlier but no longer generated (the code changed; judge "
                    "again): " + ", ".join(f"`{name}`" for name in stale), ""]
    return "\n".join(lines + [""] + details)


def _row(counts: dict) -> str:
    judged = counts["generated"] - counts["equivalent"] - counts["not run"]
    score = f"{100 * (counts['killed'] + counts['timeout']) / judged:.1f} %" if judged else "-"
    return " | ".join(str(counts[key]) for key in counts) + f" | {score}"


def _minutes(seconds: int | None) -> str:
    return "partial (see its runs)" if seconds is None else f"{seconds / 60:.1f}"


def _diff_body(diff: str) -> str:
    # mutmut's diff starts with file headers; the hunk is what a reader needs
    body = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "# "))]
    return "\n".join(body).strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"modules to (re)run, of {', '.join(MODULES)}; "
                                                   "default: all")
    parser.add_argument("--report-only", action="store_true", help="rewrite the report only")
    parser.add_argument("--mutants", nargs="+", default=[], metavar="NAME",
                        help="only these mutants of the one module given (mutmut names, * allowed)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the module's earlier run and its test records (retry mutants)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module {', '.join(unknown)}: choose from {', '.join(MODULES)}")
    if (args.mutants or args.resume) and len(args.modules) != 1:
        parser.error("--mutants and --resume need exactly one module")
    if not args.report_only:
        for module in args.modules or MODULES:
            print(f"mutation testing rlcourse/{module}.py against tests/test_{module}.py", flush=True)
            record = run_module(module, args.mutants, args.resume)
            survived = sum(entry["status"] == "survived" for entry in record["mutants"].values())
            print(f"  {len(record['mutants'])} mutants, {survived} survived; runs: "
                  f"{'; '.join(record['runs'])}", flush=True)
    previous = RESULTS / "mutation.json"
    records = gather(json.loads(previous.read_text()) if previous.exists() else [])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "mutation.json").write_text(json.dumps(records, indent=1) + "\n")
    equivalent = json.loads(EQUIVALENT.read_text()) if EQUIVALENT.exists() else {}
    (RESULTS / "mutation.md").write_text(report(records, equivalent))
    print(f"report: {RESULTS / 'mutation.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
