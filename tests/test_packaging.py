"""The install stays reproducible: pins agree across pyproject.toml, constraints.txt and environment.yml."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: conda-forge name -> PyPI name, where they differ
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}
#: conda-only packages with no counterpart in the package metadata
CONDA_ONLY = {"python", "pip", "gymnasium-classic_control"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


#: optional extras that environment.yml leaves out: Ray (`cluster`) is for sweeps on a cluster,
#: and a learner's environment should not download it unless asked
CONDA_LEAVES_OUT = {"cluster"}


def metadata_pins(leave_out: set[str] = frozenset()) -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    requirements = project["dependencies"] + [requirement for name, extra in extras.items()
                                              if name not in leave_out for requirement in extra]
    pins = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        assert version, f"pyproject.toml: {requirement!r} is not pinned with =="
        pins[_normalise(name)] = version.strip()
    return pins


def conda_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z0-9_.-]+)=([^=\s]+)\s*$", line)
        if match:
            name, version = match.groups()
            if name not in CONDA_ONLY:
                pins[_normalise(CONDA_TO_PYPI.get(name, name))] = version
    return pins


def constraint_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[_normalise(name)] = version
    return pins


def test_environment_yml_matches_package_metadata():
    assert conda_pins() == metadata_pins(leave_out=CONDA_LEAVES_OUT)


def test_conda_env_has_classic_control_without_pip_extra():
    entries = [line for line in (ROOT / "environment.yml").read_text().splitlines()
               if line.lstrip().startswith("- ")]
    assert any("gymnasium-classic_control" in line for line in entries)
    # gymnasium[classic-control] from pip would bring pygame-ce over conda's pygame
    assert not any("[classic" in line for line in entries)
    assert not any("classic" in name for name in metadata_pins())


def test_every_direct_dependency_is_in_the_constraints_at_the_same_version():
    constraints = constraint_pins()
    for name, version in metadata_pins().items():
        assert constraints.get(name) == version, f"{name}: pyproject {version}, constraints {constraints.get(name)}"


def test_torch_is_pinned_to_the_cpu_wheel_version_everywhere():
    # an unpinned torch (or a range admitting a newer release) makes pip fetch a multi-GB CUDA build
    assert metadata_pins()["torch"] == "2.13.0"
    assert constraint_pins()["torch"] == "2.13.0"
    assert conda_pins()["torch"] == "2.13.0"


def test_ci_runs_make_test_and_nothing_else():
    commands = [line for line in (ROOT / ".ci/run").read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    assert commands[-1] == "make test"
    assert all(c.startswith(("set ", "cd ", "make test")) for c in commands), commands


def test_readme_lists_every_notebook_in_order_and_the_solved_thresholds_of_the_package():
    from rlcourse.envs import SOLVED_THRESHOLDS

    readme = (ROOT / "README.md").read_text()
    assert readme.lstrip().startswith("# "), "the README opens with the course's title"
    commands = readme.index("```sh")
    assert "make lab" in readme[commands:commands + 200] and "make test" in readme[commands:commands + 200]
    linked = re.findall(r"\]\((notebooks/\d\d_\w+\.ipynb)\)", readme)
    on_disk = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert linked == on_disk, "the README's table of notebooks must list notebooks/ in order"
    solved = readme[readme.index("Solved means"):].split("\n\n")[0].replace("\u2212", "-")
    for env_id in ("CartPole-v1", "Pendulum-v1", "FrozenLake-v1", "FrozenLake8x8-v1", "Taxi-v4",
                   "CliffWalking-v1"):
        stated = re.search(re.escape(env_id) + r"\s+(-?[\d.]+)", solved)
        assert stated, f"the README's 'Solved means' paragraph does not give {env_id}'s threshold"
        assert float(stated.group(1)) == SOLVED_THRESHOLDS[env_id], env_id
