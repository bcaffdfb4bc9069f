"""Every answer of an independent set of learner answers, run through its check.

``tests/learner_answers/<exercise>/*.py`` was written from the learner notebooks alone, by someone
who never saw the checks' catalogues: each file is one answer, with a header saying whether it is
correct (``EXPECT: correct``) or wrong (``EXPECT: wrong``, then ``MISTAKE:`` in plain words) and
the check call its notebook makes (``CHECK:``); ``INDEX.md`` is its author's account of the set
(its generator and verification scripts, ``_tools/``, were left out). ``hints.json`` maps each wrong answer to the
catalogue key(s) whose hint names its described mistake: that mapping is ours, read from the
MISTAKE line, not from what the check says.

The bar: no wrong answer passes, no correct answer is rejected, and at least 90% of the wrong
answers get a hint naming their mistake. ``python tests/test_learner_answers.py`` prints the rate
per check.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

ANSWERS = Path(__file__).resolve().parent / "learner_answers"
HINTS = json.loads((ANSWERS / "hints.json").read_text()) if (ANSWERS / "hints.json").exists() else {}
NAMED_RATE = 0.90


def header(path: Path) -> dict[str, str]:
    doc = path.read_text().split('"""')[1]
    return dict(re.findall(r"^(EXPECT|MISTAKE|CHECK|NOTE): (.*)$", doc, flags=re.M))


def answer_paths() -> list[Path]:
    return sorted(ANSWERS.glob("*/*.py"))


def run_answer(path: Path):
    """Run the answer file and its check call (with reveal=True: the hint is what is measured)."""
    import rlcourse.checks as checks

    call = header(path)["CHECK"].replace("reveal=False", "reveal=True")
    namespace = {"__name__": "learner_answer"}
    exec("import numpy as np\nimport torch\nimport torch.nn.functional as F\n", namespace)  # the notebook's imports
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    check_name = re.match(r"(check_\w+)\(", call).group(1)
    namespace[check_name] = getattr(checks, check_name)
    with contextlib.redirect_stdout(io.StringIO()):  # the check prints its verdict; the result holds it
        return eval(call, namespace)


@pytest.fixture(scope="module")
def verdicts() -> dict[str, object]:
    return {str(path.relative_to(ANSWERS)): run_answer(path) for path in answer_paths()}


def _named(key: str, result) -> bool:
    wanted = HINTS.get(key, [])
    return result.mistake in (wanted if isinstance(wanted, list) else [wanted])


def rates(verdicts) -> dict[str, tuple[int, int]]:
    """Per exercise folder: (wrong answers whose hint names their mistake, wrong answers)."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, result in verdicts.items():
        if header(ANSWERS / key)["EXPECT"] == "wrong":
            table[key.split("/")[0]][1] += 1
            table[key.split("/")[0]][0] += _named(key, result)
    return {folder: (named, total) for folder, (named, total) in sorted(table.items())}


def test_every_wrong_answer_has_its_mistake_mapped():
    wrong = [str(p.relative_to(ANSWERS)) for p in answer_paths() if header(p)["EXPECT"] == "wrong"]
    assert len(wrong) >= 100 and sorted(set(wrong) - set(HINTS)) == []


def test_no_wrong_answer_passes_and_no_correct_answer_is_rejected(verdicts):
    wrongly_passed = [k for k, r in verdicts.items() if header(ANSWERS / k)["EXPECT"] == "wrong" and r.passed]
    rejected = [(k, r.message) for k, r in verdicts.items() if header(ANSWERS / k)["EXPECT"] == "correct"
                and not r.passed]
    assert sum(header(ANSWERS / k)["EXPECT"] == "correct" for k in verdicts) >= 20
    assert wrongly_passed == [] and rejected == []


def test_at_least_90_percent_of_wrong_answers_are_told_their_mistake(verdicts):
    table = rates(verdicts)
    named, total = sum(n for n, _ in table.values()), sum(t for _, t in table.values())
    missed = {k: (r.mistake, r.message.splitlines()[0]) for k, r in verdicts.items()
              if header(ANSWERS / k)["EXPECT"] == "wrong" and not _named(k, r)}
    assert named / total >= NAMED_RATE, missed


if __name__ == "__main__":
    import sys
    import time

    start = time.perf_counter()
    only = sys.argv[1:]
    results = {}
    for path in answer_paths():
        key = str(path.relative_to(ANSWERS))
        if only and not any(key.startswith(prefix) for prefix in only):
            continue
        results[key] = result = run_answer(path)
        h = header(path)
        mark = "ok " if (result.passed == (h["EXPECT"] == "correct")) and (result.passed or _named(key, result)) else "BAD"
        print(f"{mark} {key} [{h['EXPECT']}] {result.mistake} want={HINTS.get(key)} :: {h.get('MISTAKE', '')[:90]}"
              f"\n      {result.message.splitlines()[0][:150]}", flush=True)
    for folder, (named, total) in rates(results).items():
        print(f"{folder:24s} {named}/{total} named")
    print(f"{time.perf_counter() - start:.0f} s")
