"""The real nbgrader grades an exercise: the solution notebook as its source, the checks as its tests.

``rlcourse exercises build`` writes nbgrader's cell metadata (rlcourse.exercise_build); here nbgrader
0.9.6 (the ``grading`` extra) runs on exercise 02 as an instructor would: ``generate_assignment``
from the solution, then ``autograde`` of three submissions: the solution itself, the release with
one realistic learner mistake filled in (from tests/learner_answers/), and the release untouched.
The points nbgrader gives each check cell must be the checks' own verdicts, as printed in the
notebook nbgrader graded: a point for ✅, none for ❌ or ⏳.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from rlcourse import exercise_build
from rlcourse.exercise_build import POINTS_PER_CHECK

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "02_q_tables"
ASSIGNMENT = "ex02"
ANSWERS = ROOT / "tests" / "learner_answers"
#: the learner mistake handed in: the Q-learning target bootstraps through a terminal transition
WRONG_ANSWER = ANSWERS / "q_learning_update" / "w04_no_terminal_mask.py"
CHECKS = {"epsilon_greedy": "check_epsilon_greedy", "q_learning_update": "check_q_learning_update",
          "sarsa_update": "check_sarsa_update"}


def _nbgrader_or_skip() -> None:
    if importlib.util.find_spec("nbgrader") is None:
        message = ("nbgrader is not installed: pip install -c constraints.txt -e '.[grading]' "
                   "(make test installs it)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def nbgrader(course: Path, *args: str) -> None:
    """Run nbgrader's command line in the course folder, as an instructor types it."""
    # nbgrader runs `alembic` from PATH: the environment's bin/, as in an activated environment
    # LANGUAGE=en: the verdicts are read in English below, whatever this machine's locale
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "RLCOURSE_PROGRESS": "0", "LANGUAGE": "en",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("RLCOURSE_GRADING", None)  # nbgrader's own NBGRADER_EXECUTION must be enough
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force", "--log-level=WARN"],
                          cwd=course, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


def answer_cell(nb: nbformat.NotebookNode, function: str) -> nbformat.NotebookNode:
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")
              and f"def {function}(" in c.source]
    return cell


def the_checks_verdicts(nb: nbformat.NotebookNode) -> dict[str, str]:
    """What each check printed in a graded notebook: check name -> its verdict's first line."""
    verdicts = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in CHECKS.values():
            text = "".join(output.get("text", "") for output in cell.outputs if output.output_type == "stream")
            verdicts[grade_id] = text.strip().split("\n")[0]
    return verdicts


def points_of(verdicts: dict[str, str]) -> dict[str, float]:
    """The points the checks' verdicts are worth: a check's point for ✅, nothing for anything else."""
    return {check: POINTS_PER_CHECK * verdict.startswith("✅") for check, verdict in verdicts.items()}


@pytest.mark.parametrize("path", exercise_build.solution_paths(), ids=lambda p: p.name)
def test_nbgrader_accepts_the_metadata_of_every_solution(path):
    """nbgrader's own validator, the one generate_assignment and autograde run first."""
    _nbgrader_or_skip()
    from nbgrader.nbgraderformat import MetadataValidator

    MetadataValidator().validate_nb(nbformat.read(path, as_version=4))


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> dict:
    """nbgrader's points per check cell for each submission and the checks' verdicts on it; the
    release nbgrader made and the source it made it from."""
    _nbgrader_or_skip()
    from nbgrader.api import Gradebook

    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course}/gradebook.db'\n"
        "c.ExecutePreprocessor.timeout = 240\n")
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(exercise_build.SOLUTIONS / f"{NOTEBOOK}.ipynb", source)
    nbgrader(course, "generate_assignment", ASSIGNMENT)
    release = nbformat.read(course / "release" / ASSIGNMENT / f"{NOTEBOOK}.ipynb", as_version=4)

    solution = nbformat.read(source / f"{NOTEBOOK}.ipynb", as_version=4)
    wrong = nbformat.from_dict(release)
    for function in CHECKS:  # right answers, except the one mistake
        answer_cell(wrong, function).source = answer_cell(solution, function).source
    mistake = WRONG_ANSWER.read_text().split('"""', 2)[2].replace("import numpy as np\n", "").strip()
    answer_cell(wrong, "q_learning_update").source = mistake
    submissions = {"right": solution, "wrong": wrong, "untouched": release}
    for student, nb in submissions.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NOTEBOOK}.ipynb")
    nbgrader(course, "autograde", ASSIGNMENT)

    results = {"release": release, "solution": solution}
    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        for student, nb in submissions.items():
            notebook = gradebook.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            points = {check: gradebook.find_grade(check, NOTEBOOK, ASSIGNMENT, student).score
                      for check in CHECKS.values()}
            graded_nb = nbformat.read(course / "autograded" / student / ASSIGNMENT / f"{NOTEBOOK}.ipynb",
                                      as_version=4)
            results[student] = {"score": notebook.score, "max_score": notebook.max_score, "points": points,
                                "verdicts": the_checks_verdicts(graded_nb)}
    print(json.dumps({student: results[student] for student in submissions}, indent=1))
    return results


def test_generate_assignment_strips_the_answers_and_keeps_the_checks_as_locked_tests(graded):
    release, solution = graded["release"], graded["solution"]
    assert [c.id for c in release.cells] == [c.id for c in solution.cells]
    for cell, source in zip(release.cells, solution.cells):
        meta = cell.metadata["nbgrader"]
        if meta["solution"]:
            assert exercise_build.BEGIN not in cell.source and "raise NotImplementedError()" in cell.source
            body = source.source.split(exercise_build.BEGIN)[1].split(exercise_build.END)[0]
            assert not [line for line in body.split("\n") if line.strip() and not line.strip().startswith("#")
                        and line in cell.source]
        else:
            assert cell.source == source.source and meta["locked"]
    tests = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in release.cells
             if c.metadata["nbgrader"]["grade"]}
    assert tests == {check: POINTS_PER_CHECK for check in CHECKS.values()}


def test_the_solution_gets_full_points(graded):
    right = graded["right"]
    assert all(verdict.startswith("✅") for verdict in right["verdicts"].values()) and len(right["verdicts"]) == 3
    assert right["max_score"] == len(CHECKS) * POINTS_PER_CHECK
    assert right["score"] == right["max_score"]
    assert right["points"] == points_of(right["verdicts"])


def test_a_wrong_answer_loses_exactly_its_checks_points(graded):
    wrong = graded["wrong"]
    # the check names the learner's mistake in the graded notebook, where the learner reads it
    assert wrong["verdicts"]["check_q_learning_update"].startswith(
        "❌ q_learning_update: only the terminated transition goes wrong")
    assert wrong["points"] == points_of(wrong["verdicts"])
    assert wrong["points"]["check_q_learning_update"] == 0
    assert wrong["score"] == wrong["max_score"] - POINTS_PER_CHECK


def test_an_untouched_release_gets_no_points(graded):
    untouched = graded["untouched"]
    assert all(verdict.startswith("⏳") for verdict in untouched["verdicts"].values())
    assert untouched["points"] == points_of(untouched["verdicts"]) == {check: 0 for check in CHECKS.values()}
    assert untouched["score"] == 0
