"""The whole suite, as ``make test`` runs it: two passes, then a breakdown of where the time went.

    .venv/bin/python tools/run_suite.py [--jobs N] [--since EPOCH_SECONDS] [--paths PATH ...]
        [--second-python PYTHON]

1. **This CPU's own kernels**: the unit and learning tests (``tests/``), the browser tests, and nbval
   over every exercise in ``exercises/`` (both versions of each). The chapters in ``notebooks/`` are
   executed once, by the browser tests in JupyterLab, which compare their outputs with the stored
   ones by nbval's rules (tests/stored_outputs.py); where no browser can run, nbval runs them.
2. **Generic kernels**: nbval over the same notebooks and the learning tests that train networks,
   again, with torch forced onto its generic CPU kernels and MKL onto its most compatible code path
   (:data:`GENERIC_KERNELS`), by the interpreter of ``--second-python`` (``make test``: the
   ``.venv-oldest`` of the oldest versions the package's ranges admit, constraints-oldest.txt).
   Float rounding then differs from pass 1 the way it differs on another CPU model (an AMD or
   Apple machine instead of an Intel one): a stored output that only holds on the CPU it was made
   on fails here, and so does a learning claim that holds for one CPU's seeds or one set of versions.

Both passes always run (the breakdown needs both); the exit status is 0 only when both pass. The
last line is the total, ``suite: N passed, N failed``. ``--since`` is when ``make test`` started
(before the set-up), so the breakdown can show what the set-up cost. ``--paths`` runs only the given
tests or notebooks, in both passes (the second pass keeps only the notebooks among them).

Ctrl-C reaches pytest too (the whole foreground process group gets it): this script then waits for
pytest to stop its JupyterLab servers, browsers and kernels instead of killing it, so nothing is
left running.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"

#: The second kernel path. ``ATEN_CPU_CAPABILITY=default`` makes torch's own kernels (elementwise
#: ops, reductions) skip their AVX2/AVX-512 versions; ``MKL_CBWR=COMPATIBLE`` makes MKL (matrix
#: products, tanh, exp) take its most compatible path. Each alone already changes a training run.
GENERIC_KERNELS = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}

NBVAL = ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg",
         "--nbval-cell-timeout", "600"]
#: how long pytest may take to tear down after Ctrl-C before it is terminated
CLEAN_UP_SECONDS = 60
#: the learning tests whose outcome depends on float rounding (the tabular ones use exact numpy)
TORCH_LEARNING_TESTS = ["tests/test_dqn.py", "tests/test_ddpg.py"]
#: the longest files of tests/ (seconds each on an idle 2-core machine), collected right after the
#: notebooks for the reason given in passes()
LONG_TESTS = ["tests/test_dqn.py", "tests/test_sweep.py", "tests/test_site.py", "tests/test_nbgrader.py"]
#: the stored outputs are the English edition's: a learner whose locale is Chinese (LANG=zh_CN...)
#: would otherwise get the checks' verdicts in Chinese and every exercise would fail nbval
SUITE_ENV = {"LANGUAGE": "en"}


def notebook_folders() -> list[str]:
    return [name for name in ("notebooks", "exercises") if (ROOT / name).is_dir()]


def browser_available() -> bool:
    """Whether the browser tests can run here (Chromium and Playwright installed)."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from jupyterlab_browser import missing_browser_reason
    finally:
        sys.path.remove(str(ROOT / "tests"))
    return missing_browser_reason() is None


def passes(jobs: int, paths: list[str] | None = None, browser: bool = True
           ) -> list[tuple[str, list[str], dict[str, str]]]:
    """(name, pytest arguments, extra environment) of each pass, in order.

    ``browser``: the browser tests can run here. They execute every chapter (``notebooks/``) in
    JupyterLab on this CPU's kernels and compare its outputs with the stored ones by nbval's rules
    (tests/stored_outputs.py), so the first pass leaves the chapters out of nbval instead of
    executing each one twice on the same kernels; without a browser, nbval runs them as before.
    """
    xdist = ["-n", str(jobs), "--dist", "loadfile"] if jobs > 1 else ["-p", "no:xdist"]
    if paths is None:
        # Longest first: xdist hands out whole files (loadfile) in the order they are collected, and
        # a long file collected last keeps one worker busy while the other idles. The browser tests
        # and the notebooks train agents, so they lead; pytest collects a file named twice once.
        tests = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_browser*.py"))
        nbval_first = [f for f in notebook_folders() if not (browser and f == "notebooks")]
        first = [*tests, *nbval_first, *(t for t in LONG_TESTS if (ROOT / t).is_file()), "tests"]
        second = [*TORCH_LEARNING_TESTS, *notebook_folders()]
    else:
        first = paths
        second = [p for p in paths if p.endswith(".ipynb") or p in notebook_folders()
                  or p in TORCH_LEARNING_TESTS]
    result = [("this CPU's kernels", [*xdist, *first, *NBVAL], {})]
    if second:
        # every notebook cell (marked by conftest.py), and of tests/ only the learning tests
        result.append(("generic kernels", [*xdist, *second, "-m", "notebook or learning", *NBVAL],
                       GENERIC_KERNELS))
    return result


def category(case: ElementTree.Element) -> str:
    """Which part of the suite a junit ``testcase`` belongs to."""
    classname = case.get("classname", "")
    properties = {p.get("name"): p.get("value") for p in case.iter("property")}
    if properties.get("category"):
        return properties["category"]  # set by tests/conftest.py: "learning"
    if classname.startswith(("notebooks", "exercises")) or ".ipynb" in classname:
        return "notebooks"
    if classname.startswith(("tests.test_browser", "tests.test_site")):
        return "browser"  # JupyterLab or the built site in headless Chromium
    return "unit"


def read_junit(path: Path) -> tuple[dict[str, float], dict[str, int]]:
    """Seconds summed per category, and the counts of passed/failed/skipped tests."""
    seconds: dict[str, float] = defaultdict(float)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    if not path.exists():
        return seconds, counts
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        seconds[category(case)] += float(case.get("time", 0))
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return seconds, counts


def setup_seconds(since: float | None) -> str:
    """What the set-up cost in this ``make test``, as a line of the breakdown."""
    if since is None:
        return "not measured (run through make test)"
    steps = []
    for name, what in ((".setup-seconds", "the environment"), (".setup-cluster-seconds", "Ray"),
                       (".setup-oldest-seconds", "the oldest versions' environment")):
        stamp = ROOT / ".venv" / name  # written by the Makefile's set-up steps
        if stamp.exists() and stamp.stat().st_mtime >= since:
            steps.append(f"{what} {float(stamp.read_text()):.0f} s")
    return ", ".join(steps) if steps else "none (the environment was already set up)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument("--since", type=float, help="when make test started (seconds since the epoch)")
    parser.add_argument("--paths", nargs="+", help="only these tests or notebooks (default: everything)")
    parser.add_argument("--second-python", type=Path, default=Path(sys.executable),
                        help="the Python of the second pass's environment (default: this one)")
    parser.add_argument("--reports", type=Path, default=ARTIFACTS,
                        help=f"folder for the passes' junit reports (default: {ARTIFACTS.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    args.reports.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results = []
    browser = browser_available()
    if not browser and args.paths is None:
        print("no browser for the browser tests: the first pass runs the chapters under nbval instead",
              flush=True)
    for index, (name, pytest_args, extra_env) in enumerate(passes(args.jobs, args.paths, browser),
                                                           start=1):
        junit = args.reports / f"junit-pass{index}.xml"
        junit.unlink(missing_ok=True)
        python = args.second_python if index == 2 else Path(sys.executable)
        if python != Path(sys.executable):
            name += f", in {python.parent.parent.name}"
        shown = " ".join(f"{k}={v}" for k, v in extra_env.items())
        print(f"\n=== pass {index}: {name} {shown}".rstrip(), flush=True)
        begin = time.monotonic()
        process = subprocess.Popen([str(python), "-m", "pytest", *pytest_args, f"--junitxml={junit}"],
                                   cwd=ROOT, env={**os.environ, **SUITE_ENV, **extra_env})
        try:
            status = process.wait()
        except KeyboardInterrupt:
            # pytest got the same Ctrl-C: give it time to stop its servers, browsers and kernels
            print("\ninterrupted: waiting for pytest to clean up; no further pass is run", file=sys.stderr)
            try:
                process.wait(timeout=CLEAN_UP_SECONDS)
            except subprocess.TimeoutExpired:
                process.terminate()
                process.wait()
            return 130
        results.append((name, status, time.monotonic() - begin, *read_junit(junit)))

    print("\n=== where the time went (wall seconds; per part, test seconds summed over the workers)")
    print(f"  set-up (make setup, browser): {setup_seconds(args.since)}")
    if args.since is not None:
        print(f"  before the first pass (set-up, browser, make): {started - args.since:.0f} s")
    total = {"passed": 0, "failed": 0, "skipped": 0}
    for index, (name, status, wall, seconds, counts) in enumerate(results, start=1):
        parts = ", ".join(f"{part} {seconds[part]:.0f} s" for part in
                          ("unit", "learning", "browser", "notebooks") if part in seconds)
        print(f"  pass {index}, {name}: {wall:.0f} s wall ({parts}); "
              f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"
              + ("" if status in (0,) else f"; pytest exit status {status}"))
        for key in total:
            total[key] += counts[key]
    if args.since is not None:
        print(f"  make test in all: {time.time() - args.since:.0f} s")
    failed = any(status != 0 for _, status, *_ in results)
    # pytest exits non-zero also for errors outside tests (collection, usage), which junit may lack
    total["failed"] = max(total["failed"], int(failed))
    print(f"suite: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
