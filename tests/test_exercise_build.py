"""Tests of rlcourse.exercise_build: learner versions are generated from the solutions, committed
up to date, and contain neither solution code nor stored tracebacks."""

from pathlib import Path

import nbformat
import pytest

from rlcourse import exercise_build
from rlcourse.exercise_build import BEGIN, BUG, END, HINT, learner_version, strip_solution

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = exercise_build.solution_paths()
IDS = [p.name for p in SOLUTIONS]

SOLVED = f'''def td_error(reward, value):
    """Doc."""
    {BEGIN}
    {HINT} subtract the value
    result = reward - value
    return result
    {END}

print(td_error(1, 2))'''


def test_strip_solution_leaves_the_hint_and_a_stub_at_the_same_indent():
    assert strip_solution(SOLVED) == '''def td_error(reward, value):
    """Doc."""
    # HINT: subtract the value
    raise NotImplementedError('your code here (hint: subtract the value)')

print(td_error(1, 2))'''


def test_strip_solution_without_hint_and_in_markdown():
    assert strip_solution(f"{BEGIN}\nx = 1\n{END}") == "raise NotImplementedError('your code here')"
    assert strip_solution(f"Why?\n{BEGIN}\nBecause.\n{END}", markdown=True) == "Why?\n_Your answer here._"
    assert strip_solution("no markers\n") == "no markers\n"


def test_a_bug_region_hands_out_the_buggy_lines():
    source = f"""def f(x):
    {BEGIN}
    {BUG} y = x.max(dim=1, keepdim=True).values
    y = x.max(dim=1).values  # fixed
    {END}
    return y"""
    assert strip_solution(source) == """def f(x):
    y = x.max(dim=1, keepdim=True).values
    return y"""


@pytest.mark.parametrize("source, problem", [(f"{BEGIN}\nx = 1", "never closed"),
                                             (f"x = 1\n{END}", "without"),
                                             (f"{BEGIN}\n{BEGIN}\n{END}", "inside another")])
def test_broken_markers_are_named(source, problem):
    with pytest.raises(ValueError, match=problem):
        strip_solution(source)


def test_a_stripped_stub_raises_not_implemented():
    namespace = {}
    exec(strip_solution(SOLVED).replace("print(td_error(1, 2))", ""), namespace)
    with pytest.raises(NotImplementedError, match="subtract the value"):
        namespace["td_error"](1, 2)


def test_there_are_solutions_for_each_chapter():
    assert [name[:2] for name in IDS] == ["02", "03", "04", "05", "06", "07"]
    # each chapter from 02 on (00 and 01 set up the tools and teach no RL yet) has its exercise,
    # under the notebook's own name, and the find-the-bug notebook comes after the last chapter
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert chapters[:2] == ["00_start_here.ipynb", "01_pytorch_for_rl.ipynb"]
    assert IDS == [*chapters[2:], "07_find_the_bug.ipynb"]


def test_each_exercise_has_its_solution_and_each_solution_its_learner_version():
    learner = {p.name for p in (SOLUTIONS[0].parents[1]).glob("*.ipynb")}
    assert learner == set(IDS)
    # the chapters with exercises so far, and the find-the-bug notebook
    assert {"02_q_tables.ipynb", "04_dqn.ipynb", "06_ddpg.ipynb", "07_find_the_bug.ipynb"} <= set(IDS)


def test_the_committed_learner_versions_are_what_build_generates(capsys):
    assert exercise_build.stale_learner_versions() == []
    assert exercise_build.main("check") == 0
    assert "match their solutions" in capsys.readouterr().out


def test_check_fails_for_a_stale_learner_version(tmp_path, monkeypatch):
    (tmp_path / "solutions").mkdir()
    solution = nbformat.read(SOLUTIONS[0], as_version=4)
    nbformat.write(solution, tmp_path / "solutions" / SOLUTIONS[0].name)
    learner = learner_version(solution, SOLUTIONS[0].name)
    learner.cells[-1].source += "\n# edited by hand"
    nbformat.write(learner, tmp_path / SOLUTIONS[0].name)
    monkeypatch.setattr(exercise_build, "EXERCISES", tmp_path)
    monkeypatch.setattr(exercise_build, "SOLUTIONS", tmp_path / "solutions")
    assert exercise_build.stale_learner_versions() == [f"exercises/{SOLUTIONS[0].name} is not what its "
                                                       "solution generates"]
    (tmp_path / SOLUTIONS[0].name).unlink()
    assert exercise_build.stale_learner_versions() == [f"exercises/{SOLUTIONS[0].name} is missing"]


def solution_regions(nb) -> list[str]:
    regions = []
    for cell in nb.cells:
        inside = None
        for line in cell.source.split("\n"):
            if line.strip() == BEGIN:
                inside = []
            elif line.strip() == END:
                regions.append("\n".join(inside))
                inside = None
            elif inside is not None and not line.strip().startswith((HINT, BUG)):
                inside.append(line)
    return regions


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_learner_versions_hold_no_solution_code_and_no_tracebacks(path):
    solution = nbformat.read(path, as_version=4)
    learner = nbformat.read(ROOT / "exercises" / path.name, as_version=4)
    sources = "\n".join(cell.source for cell in learner.cells)
    assert BEGIN not in sources and END not in sources
    regions = solution_regions(solution)
    assert regions, "a solution notebook without solution regions"
    for region in regions:
        assert region.strip() not in sources
    outputs = [output for cell in learner.cells if cell.cell_type == "code" for output in cell.outputs]
    assert all(output.output_type != "error" for output in outputs)
    text = "".join(output.get("text", "") for output in outputs)
    assert "Traceback" not in text and "❌" not in text and "✅" not in text
    check_cells = [cell for cell in learner.cells if cell.cell_type == "code" and cell.source.startswith("check_")]
    verdicts = text.count("not implemented yet") + text.count("the bug is still there")
    assert verdicts == len(check_cells) > 0


@pytest.mark.parametrize("path", SOLUTIONS, ids=IDS)
def test_every_check_passes_in_the_solutions(path):
    solution = nbformat.read(path, as_version=4)
    text = "".join(output.get("text", "") for cell in solution.cells if cell.cell_type == "code"
                   for output in cell.outputs)
    assert "✅" in text and "❌" not in text and "⏳" not in text


def _cells(*sources):
    nb = nbformat.v4.new_notebook()
    for number, source in enumerate(sources):
        cell = (nbformat.v4.new_markdown_cell(source[3:]) if source.startswith("md:")
                else nbformat.v4.new_code_cell(source))
        cell["id"] = f"c{number}"
        nb.cells.append(cell)
    return nb


def test_nbgrader_metadata_marks_answers_tests_and_locked_cells():
    nb = exercise_build.with_nbgrader_metadata(
        _cells("import numpy as np", SOLVED, "check_td_target(td_target, reveal=False)",
               f"md:Why?\n{BEGIN}\nBecause.\n{END}"), "00_test.ipynb")
    roles = [{k: v for k, v in cell.metadata["nbgrader"].items() if k != "schema_version"} for cell in nb.cells]
    assert roles == [
        {"solution": False, "grade": False, "locked": True, "task": False, "grade_id": "cell-c0"},
        {"solution": True, "grade": False, "locked": False, "task": False, "grade_id": "answer-c1"},
        {"solution": False, "grade": True, "locked": True, "task": False, "grade_id": "check_td_target",
         "points": exercise_build.POINTS_PER_CHECK},
        {"solution": True, "grade": True, "locked": False, "task": False, "grade_id": "answer-c3",
         "points": exercise_build.POINTS_PER_WRITTEN_ANSWER}]
    # the learner version keeps each cell's role, though its solution regions are gone
    learner = learner_version(nb, "00_test.ipynb")
    assert [c.metadata["nbgrader"] for c in learner.cells] == [c.metadata["nbgrader"] for c in nb.cells]


@pytest.mark.parametrize("sources, problem", [
    ((f"{BEGIN}\nx = 1\n{END}\ncheck_td_target(f)",), "solution region also calls check_td_target"),
    (("check_td_target(f)\ncheck_dqn_loss(g)",), "calls 2 checks"),
])
def test_a_cell_nbgrader_cannot_grade_is_named(sources, problem):
    with pytest.raises(ValueError, match=problem):
        exercise_build.with_nbgrader_metadata(_cells(*sources), "00_test.ipynb")


def test_every_check_cell_of_the_solutions_is_an_autograded_test():
    for path in SOLUTIONS:
        cells = nbformat.read(path, as_version=4).cells
        tests = [c for c in cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
        calls = [c for c in cells if c.cell_type == "code" and exercise_build.CHECK_CALL.search(c.source)]
        assert tests == calls and tests, path.name
        ids = [c.metadata["nbgrader"]["grade_id"] for c in cells]
        assert len(set(ids)) == len(ids), f"{path.name}: nbgrader needs unique grade ids"


def test_check_fails_when_a_solution_lacks_nbgrader_metadata(tmp_path, monkeypatch):
    (tmp_path / "solutions").mkdir()
    solution = nbformat.read(SOLUTIONS[0], as_version=4)
    nbformat.write(learner_version(solution, SOLUTIONS[0].name), tmp_path / SOLUTIONS[0].name)
    del solution.cells[0].metadata["nbgrader"]
    nbformat.write(solution, tmp_path / "solutions" / SOLUTIONS[0].name)
    monkeypatch.setattr(exercise_build, "EXERCISES", tmp_path)
    monkeypatch.setattr(exercise_build, "SOLUTIONS", tmp_path / "solutions")
    assert exercise_build.stale_learner_versions() == [
        f"exercises/solutions/{SOLUTIONS[0].name} lacks nbgrader's cell metadata, or has stale metadata"]
