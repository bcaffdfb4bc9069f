"""The notebooks work in a real browser: JupyterLab in headless Chromium runs every cell, shows no
error, renders every widget, and each widget responds when its value changes.

The machinery is in tests/jupyterlab_browser.py. Screenshots of each notebook (and of each cell
with widgets, after they were changed) land in test-artifacts/browser/. The chapter notebooks
that train for minutes run from test_browser_dqn.py and test_browser_ddpg.py, so that xdist
workers can run them side by side.
"""

from pathlib import Path

import nbformat
import pytest

from jupyterlab_browser import ROOT, browser, format_problems, lab, notebooks_for, run_notebook  # noqa: F401

SELF_CHECK = ROOT / "tests" / "browser" / "widgets_check.ipynb"


def test_the_self_check_notebook_runs_and_its_widgets_respond(lab, browser):  # noqa: F811
    """The machinery itself: a slider redrawing a figure, a dropdown and a checkbox, a progress bar."""
    report = run_notebook(browser, lab, SELF_CHECK)
    assert not report.problems(), format_problems(report)
    assert report.widgets == 3
    assert report.videos == ["cell 8: video 600x400, 2.0 s"]  # 61 frames at 30 fps
    assert report.interactions == ["cell 3: slider 0 '2' -> '3'",
                                   "cell 5: dropdown 0 'CartPole-v1' -> 'Pendulum-v1'",
                                   "cell 5: checkbox clicked"]


def test_errors_in_cells_and_in_widget_callbacks_are_reported(lab, browser, tmp_path):  # noqa: F811
    cells = [nbformat.v4.new_code_cell(source) for source in [
        "import warnings\nimport ipywidgets as widgets\nwarnings.warn('a warning is no error')",
        "raise ValueError('shown on purpose')",
        "def show(x=1):\n"
        "    if x > 1:\n"
        "        raise RuntimeError(f'the explorer broke at {x}')\n"
        "    print('x =', x)\n"
        "widgets.interactive(show, x=widgets.IntSlider(value=1, min=0, max=3))",
        "1 / 0",
        "print('never runs: Run All stops at the error')",
    ]]
    cells[1].metadata["tags"] = ["raises-exception"]  # an expected error: reported by no one
    notebook = tmp_path / "scratch" / "broken.ipynb"
    notebook.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    report = run_notebook(browser, lab, notebook, base=tmp_path, timeout_s=300)
    assert report.errors == [
        "cell 3: ZeroDivisionError: division by zero",
        "cell 2: after its widgets changed, an error shows in a widget's output: "
        "RuntimeError: the explorer broke at 2",
    ]
    assert report.not_run == [4]
    assert report.interactions == ["cell 2: slider 0 '1' -> '2'"]


def test_outputs_that_differ_from_the_stored_ones_are_reported(lab, browser, tmp_path):  # noqa: F811
    # the first pass of make test relies on this comparison instead of nbval's own run of the
    # chapters: a stored output that this run does not reproduce must fail the browser test
    cells = [nbformat.v4.new_code_cell("print('mean', -156)", execution_count=1, outputs=[
                 nbformat.v4.new_output("stream", name="stdout", text="mean -157\n")]),
             nbformat.v4.new_code_cell("print('trained in', 2.5, 's')", execution_count=2, outputs=[
                 nbformat.v4.new_output("stream", name="stdout", text="trained in 9.1 s\n")]),
             nbformat.v4.new_code_cell("import random; print(random.random())", execution_count=3,
                                       metadata={"tags": ["nbval-ignore-output"]}, outputs=[
                 nbformat.v4.new_output("stream", name="stdout", text="0.5\n")]),
             nbformat.v4.new_code_cell("6 * 7", execution_count=4, outputs=[nbformat.v4.new_output(
                 "execute_result", data={"text/plain": "42"}, execution_count=4)])]
    notebook = tmp_path / "stored_check" / "stored.ipynb"  # a folder of its own: serve() copies each once
    notebook.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=cells), notebook)
    report = run_notebook(browser, lab, notebook, base=tmp_path, timeout_s=300)
    assert report.compared_cells == 3 and report.errors == []
    assert len(report.output_mismatches) == 1, report.output_mismatches
    assert report.output_mismatches[0].startswith("cell 0 (nbval's Cell 0): outputs differ")
    assert "-mean -157" in report.output_mismatches[0] and "+mean -156" in report.output_mismatches[0]
    assert report.problems() == report.output_mismatches


@pytest.mark.parametrize("notebook", notebooks_for(__name__), ids=lambda path: path.name)
def test_chapter_notebook_runs_in_jupyterlab(lab, browser, notebook: Path):  # noqa: F811
    report = run_notebook(browser, lab, notebook)
    assert not report.problems(), format_problems(report)
