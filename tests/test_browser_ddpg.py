"""Chapter 06 (DDPG) in JupyterLab in headless Chromium: see tests/test_browser.py.

A file of its own because the notebook trains for minutes: pytest-xdist (--dist loadfile) can
then run it beside the other browser tests instead of after them.
"""

from pathlib import Path

import pytest

from jupyterlab_browser import browser, format_problems, lab, notebooks_for, run_notebook  # noqa: F401


@pytest.mark.parametrize("notebook", notebooks_for(__name__), ids=lambda path: path.name)
def test_chapter_notebook_runs_in_jupyterlab(lab, browser, notebook: Path):  # noqa: F811
    report = run_notebook(browser, lab, notebook)
    assert not report.problems(), format_problems(report)
