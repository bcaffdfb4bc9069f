"""tools/install_cell.py: every notebook's first code cell installs the course on Colab and does
nothing anywhere else; without a network it says what failed and what to do. The README's launch
badges come from the same address in pyproject.toml."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted([*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("exercises/*.ipynb"),
                    *ROOT.glob("exercises/solutions/*.ipynb")])
#: a closed port on this machine: what a runtime without a network gets from git and pip
UNREACHABLE = "http://127.0.0.1:9/rlcourse"


@pytest.fixture(scope="module")
def tool(load_script):
    return load_script("tools/install_cell.py")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_every_notebook_opens_with_the_install_cell_for_the_repository(tool, path):
    nb = nbformat.read(path, as_version=4)
    assert tool.problem(nb, tool.repository_url()) is None, \
        f"{path.relative_to(ROOT)}: {tool.problem(nb, tool.repository_url())}; run tools/install_cell.py on it"


def test_the_cell_installs_from_the_address_in_pyproject(tool, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[project.urls]\nRepository = "https://github.com/someone/fork.git/"\n')
    url = tool.repository_url(pyproject)
    assert url == "https://github.com/someone/fork"
    assert '"rlcourse @ git+https://github.com/someone/fork"' in tool.cell_source(url)
    pyproject.write_text('[project]\nname = "x"\n')
    with pytest.raises(SystemExit, match=r"\[project.urls\] has no Repository"):
        tool.repository_url(pyproject)


def _notebook(*cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def test_the_tool_inserts_once_before_the_first_code_cell_and_touches_nothing_else(tool, tmp_path):
    title = nbformat.v4.new_markdown_cell("# A chapter")
    first = nbformat.v4.new_code_cell("x = 1", execution_count=1)
    shown = nbformat.v4.new_code_cell("print(x)", execution_count=2,
                                      outputs=[nbformat.v4.new_output("stream", text="1\n")])
    path = tmp_path / "99_chapter.ipynb"
    nbformat.write(_notebook(title, first, shown), path)

    assert tool.main([str(path)]) == 0
    written = path.read_bytes()
    nb = nbformat.read(path, as_version=4)
    assert [c.get("id") for c in nb.cells] == [title.id, tool.CELL_ID, first.id, shown.id]
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None
    assert nb.cells[3].outputs == shown.outputs and nb.cells[3].execution_count == 2
    assert tool.main(["--check", str(path)]) == 0

    assert tool.main([str(path)]) == 0  # idempotent: the second run changes no byte
    assert path.read_bytes() == written


def test_a_stale_or_misplaced_install_cell_is_updated_and_moved_not_copied(tool, tmp_path, capsys):
    stale = nbformat.v4.new_code_cell(tool.cell_source("https://github.com/old/address"), execution_count=3,
                                      outputs=[nbformat.v4.new_output("stream", text="old\n")])
    stale["id"] = tool.CELL_ID
    first = nbformat.v4.new_code_cell("x = 1")
    path = tmp_path / "99_chapter.ipynb"
    nbformat.write(_notebook(first, stale), path)

    assert tool.main(["--check", str(path)]) == 1
    assert "after another code cell" in capsys.readouterr().err
    assert tool.main([str(path)]) == 0
    nb = nbformat.read(path, as_version=4)
    assert [c.get("id") for c in nb.cells] == [tool.CELL_ID, first.id]
    assert nb.cells[0].source == tool.cell_source(tool.repository_url())
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None


def test_bad_paths_get_a_one_line_error(tool, tmp_path, capsys):
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / "missing.ipynb")])
    assert "not a notebook file" in capsys.readouterr().err
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(SystemExit, match="not a readable notebook"):
        tool.main([str(broken)])


def test_the_cell_survives_the_exercise_build(tool):
    # rlcourse exercises build writes each learner version from its solution: the cell comes along
    from rlcourse.exercise_build import SOLUTIONS, learner_version

    for solution in sorted(SOLUTIONS.glob("*.ipynb")):
        learner = learner_version(nbformat.read(solution, as_version=4), solution.name)
        assert tool.problem(learner, tool.repository_url()) is None, solution.name


def test_outside_colab_the_cell_runs_nothing_and_prints_nothing(tool):
    # under nbval, on a clone and on Binder: no pip, no output, even where the course is missing
    # (a pip call would print "Installing", then fail on the unreachable address)
    missing_course = 'import sys\nsys.modules["rlcourse"] = None\n'
    done = subprocess.run([sys.executable, "-c", missing_course + tool.cell_source(UNREACHABLE)],
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_on_colab_without_a_network_the_cell_says_what_failed_and_what_to_do(tool):
    """A real kernel, a real pip and git; only Colab's module and the course's absence are faked."""
    nb = _notebook(
        nbformat.v4.new_code_cell('import os, sys, types\nsys.modules["google.colab"] = types.ModuleType("google.colab")\n'
                                  'sys.modules["rlcourse"] = None  # as in a runtime without the course\n'
                                  'os.environ["PIP_NO_INDEX"] = "1"  # nothing may reach PyPI from this test'),
        nbformat.v4.new_code_cell(tool.cell_source(UNREACHABLE)))
    NotebookClient(nb, kernel_name="python3", timeout=120, allow_errors=True).execute()
    outputs = nb.cells[1].outputs
    assert [o.output_type for o in outputs] == ["stream", "error"], outputs
    assert outputs[0].text == f"Installing rlcourse @ git+{UNREACHABLE} ...\n"
    error = outputs[1]
    assert error.ename == "InstallFailed"
    assert "could not install the course (fatal: unable to access" in error.evalue
    assert "needs internet access" in error.evalue and "run this cell again" in error.evalue
    # one line, no traceback: what the learner sees is the message alone
    assert error.traceback == [f"InstallFailed: {error.evalue}"]


def test_the_readme_badges_open_the_first_notebook_from_the_repository(tool):
    url = tool.repository_url()
    assert tool.colab_url("https://github.com/o/n") == \
        "https://colab.research.google.com/github/o/n/blob/main/notebooks/00_start_here.ipynb"
    assert tool.binder_url("https://github.com/o/n") == \
        "https://mybinder.org/v2/gh/o/n/main?urlpath=lab/tree/notebooks/00_start_here.ipynb"
    top = (ROOT / "README.md").read_text().splitlines()[:5]
    assert tool.badge_line(url) in top, f"the README's badges line near the top must be:\n{tool.badge_line(url)}"
    with pytest.raises(SystemExit, match="need a https://github.com/OWNER/NAME address"):
        tool.colab_url("https://gitlab.com/o/n")


def test_in_a_notebook_graded_with_nbgrader_the_cell_gets_the_build_metadata(tool, tmp_path):
    from rlcourse import exercise_build

    if not hasattr(exercise_build, "nbgrader_metadata"):
        pytest.skip("rlcourse exercises build writes no nbgrader metadata in this version")
    graded = nbformat.v4.new_code_cell("x = 1")
    graded.metadata["nbgrader"] = exercise_build.nbgrader_metadata(graded)
    path = tmp_path / "02_exercise.ipynb"
    nbformat.write(_notebook(graded), path)
    assert tool.main([str(path)]) == 0
    cell = nbformat.read(path, as_version=4).cells[0]
    assert cell.metadata["nbgrader"] == exercise_build.nbgrader_metadata(cell)
    assert tool.main(["--check", str(path)]) == 0
    cell.metadata.pop("nbgrader")
    assert tool.problem(_notebook(cell, graded), tool.repository_url()) == \
        "has an install cell without the nbgrader metadata of its other cells"
