"""Repository-wide pytest hooks: they apply to the notebooks (nbval) as much as to tests/."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark nbval's notebook cells, so that ``-m "notebook or learning"`` selects them.

    tools/run_suite.py runs its second pass (generic CPU kernels) over every notebook cell and only
    the learning tests of tests/; this file sits at the root so the mark is set whatever is collected.
    """
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.notebook)
