"""tests/stored_outputs.py: the browser run's outputs compared with the stored ones, as nbval would.

In make test's first pass this comparison stands in for nbval's own run of the chapters (see the
module), so each rule is tested against what nbval does: a wrong output fails, an ignored or
sanitized difference passes, and streams are joined as nbval joins them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pytest

import stored_outputs

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def outputs_of(notebook: nbformat.NotebookNode) -> list[list[dict]]:
    """Every cell's outputs as plain dicts, as the browser hands them over (markdown cells: [])."""
    return [json.loads(json.dumps(cell.get("outputs", []))) for cell in notebook.cells]


@pytest.fixture
def scratch(tmp_path):
    """A stored notebook of four code cells and a markdown cell, and a writer for it."""
    cells = [
        nbformat.v4.new_markdown_cell("# scratch"),
        nbformat.v4.new_code_cell("print('mean -156')", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="mean -156\n")]),
        nbformat.v4.new_code_cell("train()", execution_count=2, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="trained in 12.5 s\n")]),
        nbformat.v4.new_code_cell("curve()", execution_count=3, metadata={"tags": ["nbval-ignore-output"]},
                                  outputs=[nbformat.v4.new_output("stream", name="stdout", text="return 412\n")]),
        nbformat.v4.new_code_cell("plot()", execution_count=4, outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480 with 1 Axes>"})]),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "scratch.ipynb"
    nbformat.write(notebook, path)
    return path, notebook


def test_a_run_with_the_stored_outputs_matches(scratch):
    path, notebook = scratch
    assert stored_outputs.compare(path, outputs_of(notebook)) == (3, [])  # the ignored cell not counted


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.name)
def test_every_chapter_matches_its_own_stored_outputs(chapter):
    notebook = nbformat.read(chapter, as_version=4)
    compared, problems = stored_outputs.compare(chapter, outputs_of(notebook))
    assert problems == [] and compared > 0


def test_a_changed_number_in_a_checked_cell_is_reported_with_both_versions(scratch):
    # the failure of issue 17: a trained agent's rounding printed in a checked cell
    path, notebook = scratch
    ran = outputs_of(notebook)
    ran[1][0]["text"] = "mean -157\n"
    compared, problems = stored_outputs.compare(path, ran)
    assert compared == 3 and len(problems) == 1
    assert problems[0].startswith("cell 1 (nbval's Cell 0): outputs differ from the stored ones: "
                                  "mismatch 'stdout'")
    assert "-mean -156" in problems[0] and "+mean -157" in problems[0]


def test_a_changed_ignored_cell_a_sanitized_timing_and_new_image_bytes_pass(scratch):
    path, notebook = scratch
    ran = outputs_of(notebook)
    ran[3][0]["text"] = "return 9\n"                      # nbval-ignore-output
    ran[2][0]["text"] = "trained in 3 s\n"               # "TIME" after tests/nbval_sanitize.cfg
    ran[4][0]["data"]["image/png"] = "something else"    # images are not compared
    assert stored_outputs.compare(path, ran) == (3, [])


def test_a_changed_figure_text_is_reported(scratch):
    path, notebook = scratch
    ran = outputs_of(notebook)
    ran[4][0]["data"]["text/plain"] = "<Figure size 640x480 with 2 Axes>"
    assert "mismatch 'text/plain'" in stored_outputs.compare(path, ran)[1][0]


def test_a_missing_or_an_extra_output_is_reported(scratch):
    path, notebook = scratch
    missing = outputs_of(notebook)
    missing[1] = []
    assert "Missing output fields" in stored_outputs.compare(path, missing)[1][0]
    extra = outputs_of(notebook)
    extra[1].append({"output_type": "stream", "name": "stderr", "text": "UserWarning: new\n"})
    assert "Unexpected output fields" in stored_outputs.compare(path, extra)[1][0]


def test_streams_are_joined_and_carriage_returns_applied_as_nbval_does(scratch):
    # JupyterLab may hand a stream over in pieces, or as a list of lines
    path, notebook = scratch
    ran = outputs_of(notebook)
    ran[1] = [{"output_type": "stream", "name": "stdout", "text": ["mean ", "-1"]},
              {"output_type": "stream", "name": "stdout", "text": "99\rmean -156\n"}]
    assert stored_outputs.compare(path, ran) == (3, [])


def test_unrun_and_skipped_reference_cells_are_not_compared(tmp_path):
    cells = [nbformat.v4.new_code_cell("x = 1"),  # never run: no execution count, no outputs
             nbformat.v4.new_code_cell("print(2)", execution_count=2, metadata={"tags": ["nbval-skip"]},
                                       outputs=[nbformat.v4.new_output("stream", name="stdout", text="2\n")])]
    path = tmp_path / "unrun.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    assert stored_outputs.compare(path, [[{"output_type": "stream", "name": "stdout", "text": "1\n"}], []]) \
        == (0, [])


def test_a_run_of_another_notebook_is_refused_not_compared(scratch):
    path, notebook = scratch
    compared, problems = stored_outputs.compare(path, outputs_of(notebook)[:-1])
    assert compared == 0 and problems == [
        "scratch.ipynb: the run has 4 cells, the stored notebook 5: not the same notebook"]


def test_the_sanitizers_are_the_ones_nbval_is_given():
    # tools/run_suite.py hands nbval tests/nbval_sanitize.cfg; the comparison reads the same file
    import importlib.util
    spec = importlib.util.spec_from_file_location("run_suite", ROOT / "tools" / "run_suite.py")
    suite = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(suite)
    given = suite.NBVAL[suite.NBVAL.index("--nbval-sanitize-with") + 1]
    assert (ROOT / given) == stored_outputs.SANITIZE
    patterns = stored_outputs.sanitize_patterns()
    assert len(patterns) >= 5 and any("TIME" == replace for replace in patterns.values())


def test_the_comparison_leaves_the_stored_notebook_as_it_was(scratch):
    path, notebook = scratch
    before = path.read_bytes()
    ran = copy.deepcopy(outputs_of(notebook))
    ran[1][0]["text"] = "changed\n"
    stored_outputs.compare(path, ran)
    assert path.read_bytes() == before
