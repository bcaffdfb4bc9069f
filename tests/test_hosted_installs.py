"""The install routes besides make setup: Binder's configuration (binder/) and the oldest versions
the package's ranges admit (constraints-oldest.txt, the environment of make test's second pass)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@pytest.fixture(scope="module")
def oldest(load_script):
    return load_script("tools/oldest_constraints.py")


def pins(text: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, _, version in
            (line.partition("==") for line in text.splitlines() if line and not line.startswith("#"))}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_constraints_oldest_is_generated_from_pyproject_and_constraints(oldest):
    stored = (ROOT / "constraints-oldest.txt").read_text()
    assert stored == oldest.oldest_constraints(), \
        "constraints-oldest.txt is out of date: run .venv/bin/python tools/oldest_constraints.py"
    oldest_pins, locked = pins(stored), pins((ROOT / "constraints.txt").read_text())
    assert oldest_pins["torch"] == locked["torch"] == "2.13.0"  # the one CPU build on hand
    for line in project()["dependencies"]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name != "torch":
            assert requirement.specifier.contains(oldest_pins[name]), line
            # the bound itself, not any admitted version: nothing older is admitted
            assert not SpecifierSet(f"<{oldest_pins[name]}").contains(oldest_pins[name])
            assert f">={oldest_pins[name]}" in str(requirement.specifier), line
    # the developer tools and everything the run-time packages pull in keep their pins; what only
    # the old versions pull in (IPython 7's backcall...) is pinned on top
    runtime = {canonicalize_name(Requirement(line).name) for line in project()["dependencies"]}
    assert {k: v for k, v in oldest_pins.items() if k not in runtime} == \
        {**{k: v for k, v in locked.items() if k not in runtime}, **oldest.OLDEST_ONLY}


def test_a_dependency_without_a_lower_bound_is_a_clear_error(oldest, tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["numpy<3"]\n')
    with pytest.raises(SystemExit, match=r"numpy<3 needs exactly one '>=' lower bound"):
        oldest.oldest_constraints(pyproject)
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["numpy>=2.0,<3", "absent>=1,<2"]\n')
    with pytest.raises(SystemExit, match="constraints.txt lacks absent: run make lock first"):
        oldest.oldest_constraints(pyproject)


def binder_lines() -> list[str]:
    return [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def test_binder_installs_the_course_with_the_pins_and_python_of_make_setup():
    # repo2docker: binder/ replaces any configuration in the root (environment.yml is for conda users)
    assert binder_lines() == [f"--extra-index-url {CPU_INDEX}", "-c ../constraints.txt", "."], \
        "binder/requirements.txt: the CPU index, the pins (relative to binder/) and the course, no extras"
    assert (BINDER / "../constraints.txt").resolve() == ROOT / "constraints.txt"
    runtime = (BINDER / "runtime.txt").read_text().strip()
    assert re.fullmatch(r"python-3\.\d+", runtime), f"runtime.txt {runtime!r}: repo2docker wants python-X.Y"
    assert SpecifierSet(project()["requires-python"]).contains(runtime.removeprefix("python-") + ".0")


def test_binder_requirements_resolve_to_the_pinned_cpu_stack_without_the_developer_tools(tmp_path):
    """What pip would install on Binder, resolved for real with ``--dry-run`` from an empty environment.

    The command repo2docker runs, in the repository's root. Where PyTorch's CPU index cannot be
    reached (this machine, CI), pip warns and takes the CPU wheel of pip's find-links instead, as make
    setup does; ``--retries 0`` keeps that warning from costing a minute of retries per package.
    """
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                           "--retries", "0", "--timeout", "10", "--report", str(report),
                           "-r", "binder/requirements.txt"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"pip does not resolve binder/requirements.txt:\n{done.stderr[-3000:]}"
    install = {canonicalize_name(item["metadata"]["name"]): item for item in json.loads(report.read_text())["install"]}
    locked = pins((ROOT / "constraints.txt").read_text())
    versions = {name: item["metadata"]["version"] for name, item in install.items()}
    assert versions.pop("rlcourse") == project()["version"]
    assert versions.pop("torch") == "2.13.0+cpu", "PyPI's torch for Linux is the CUDA build"
    # pip freeze (make lock) leaves out setuptools, which torch requires: the one unpinned package
    assert set(versions) - set(locked) == {"setuptools"}
    assert {name: version for name, version in versions.items() if name in locked and locked[name] != version} == {}
    assert not [name for name in install if name.startswith("nvidia")]
    # no developer tool, unless a run-time package needs it (IPython needs psutil)
    needed = {canonicalize_name(Requirement(dep).name) for item in install.values()
              for dep in item["metadata"].get("requires_dist") or [] if "extra ==" not in dep}
    dev_tools = {canonicalize_name(Requirement(line).name) for line in project()["optional-dependencies"]["dev"]}
    assert (dev_tools & set(install)) - needed == set()
    assert {"pytest", "nbval", "jupyterlab", "playwright"}.isdisjoint(install)
