"""Shared pytest fixtures."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def load_script() -> Callable[[str], ModuleType]:
    """Import a script of the repository that is not a package module, e.g. ``"tools/x.py"``."""

    def load(relative_path: str) -> ModuleType:
        path = ROOT / relative_path
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # a dataclass in the script looks its module up while defined
        spec.loader.exec_module(module)
        return module

    return load


@pytest.fixture(autouse=True)
def _suite_category(request: pytest.FixtureRequest, record_property) -> None:
    """Tag learning tests in the junit report, for the time breakdown of ``make test``."""
    if request.node.get_closest_marker("learning"):
        record_property("category", "learning")
