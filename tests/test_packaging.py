"""The install stays reproducible: pins agree across pyproject.toml, constraints.txt and environment.yml."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]

#: conda-forge name -> PyPI name, where they differ
CONDA_TO_PYPI = {"pytorch-cpu": "torch", "matplotlib-base": "matplotlib"}
#: conda-only packages with no counterpart in the package metadata
CONDA_ONLY = {"python", "pip", "gymnasium-classic_control"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


#: optional extras that environment.yml leaves out: Ray (`cluster`) is for sweeps on a cluster,
#: and a learner's environment should not download it unless asked; mutmut (`mutation`) is a
#: maintainer's tool that `make mutation` installs itself; nbgrader (`grading`) is for instructors who grade;
#: Sphinx (`site`) is what `make site` builds the course's website with
CONDA_LEAVES_OUT = {"cluster", "mutation", "grading", "site"}


def metadata_requirements(leave_out: set[str] = frozenset()) -> dict[str, Requirement]:
    """The package's run-time dependencies and its extras (but those in ``leave_out``), by name."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    lines = project["dependencies"] + [line for name, extra in extras.items()
                                       if name not in leave_out for line in extra]
    return {_normalise(requirement.name): requirement for requirement in map(Requirement, lines)}


def runtime_ranges() -> dict[str, Requirement]:
    return metadata_requirements(leave_out=set(tomllib.loads(
        (ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]))


def extra_pins() -> dict[str, str]:
    """The extras' exact pins: the developer tools stay pinned in pyproject.toml too."""
    pins = {}
    for name, requirement in metadata_requirements().items():
        if name in runtime_ranges():
            continue
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"pyproject.toml: extra {requirement} is not pinned with =="
        pins[name] = spec.version
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


def test_environment_yml_pins_the_stack_of_constraints_txt():
    # conda users get the tested versions, as make setup does: the pins, never the ranges
    constraints = constraint_pins()
    expected = {name: constraints[name] for name in metadata_requirements(leave_out=CONDA_LEAVES_OUT)}
    assert conda_pins() == expected


def test_conda_env_has_classic_control_without_pip_extra():
    entries = [line for line in (ROOT / "environment.yml").read_text().splitlines()
               if line.lstrip().startswith("- ")]
    assert any("gymnasium-classic_control" in line for line in entries)
    # gymnasium[classic-control] from pip would bring pygame-ce over conda's pygame
    assert not any("[classic" in line for line in entries)
    assert not any("classic" in name or requirement.extras
                   for name, requirement in metadata_requirements().items())


def test_every_runtime_dependency_is_a_bounded_range_that_admits_its_pin():
    """Ranges let a hosted service keep its own recent torch or IPython; the pins stay in constraints.txt."""
    constraints = constraint_pins()
    for name, requirement in runtime_ranges().items():
        operators = sorted(spec.operator for spec in requirement.specifier)
        assert operators == ["<", ">="], f"pyproject.toml: {requirement} is not a range '>=LOW,<HIGH'"
        assert requirement.specifier.contains(constraints.get(name, "missing")), \
            f"{name}: constraints.txt pins {constraints.get(name)}, outside pyproject's {requirement.specifier}"


def test_every_extra_is_pinned_in_the_constraints_at_the_same_version():
    constraints = constraint_pins()
    for name, version in extra_pins().items():
        assert constraints.get(name) == version, f"{name}: pyproject {version}, constraints {constraints.get(name)}"


def test_torch_is_pinned_to_the_cpu_wheel_version_and_its_range_admits_it():
    # an unpinned torch would make pip fetch PyPI's newest, a multi-GB CUDA build: the pin lives in
    # constraints.txt (make setup installs its CPU build first) and environment.yml
    assert constraint_pins()["torch"] == "2.13.0"
    assert conda_pins()["torch"] == "2.13.0"
    assert runtime_ranges()["torch"].specifier.contains("2.13.0")


def test_every_pip_install_of_the_makefile_is_constrained():
    """``make setup`` and its siblings install the pinned stack, never whatever the ranges admit today."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    # each install command: a call of PIP_INSTALL (up to the next ; && ||) or a plain `pip install`
    installs = [command for line in makefile.splitlines() if not line.startswith("PIP_INSTALL =")
                for command in re.findall(r"(?:\$\(call PIP_INSTALL,|\bpip install\b)[^;&|]*", line)]
    assert len(installs) >= 5, f"the Makefile's install commands were not found: {installs}"
    for command in installs:
        # the torch step takes its exact pin from constraints.txt (TORCH_PIN), without dependencies;
        # make lock resolves the ranges anew, which is how constraints.txt is written
        if "'$(TORCH_PIN)'" in command or "/tmp/rlcourse-lock" in command:
            continue
        assert re.search(r"-c constraints(-oldest)?\.txt", command), f"Makefile installs without constraints: {command}"
    assert "TORCH_PIN := $(shell grep '^torch==' constraints.txt)" in makefile


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


def conda_pip_section() -> list[str]:
    """The lines of environment.yml's ``pip:`` entry: what conda writes to a requirements file."""
    import yaml  # PyYAML comes with the stack (jupyter_events); conda reads the file with it too

    dependencies = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    sections = [entry["pip"] for entry in dependencies if isinstance(entry, dict) and "pip" in entry]
    assert len(sections) == 1, "environment.yml must have exactly one pip: section"
    return sections[0]


def test_conda_hands_pip_a_requirements_file_that_installs_only_the_course(tmp_path):
    """Run pip on the pip section exactly as conda does, in the pinned stack that conda builds.

    ``conda env create`` writes the ``pip:`` lines to ``condaenv.*.requirements.txt`` beside
    environment.yml and runs ``pip install -U -r FILE --exists-action=b`` there. Options that pip
    rejects in a requirements file (``--no-deps``) make the whole ``conda env create`` fail; a line
    that let pip resolve the stack again would replace conda's packages (torch, pygame) with PyPI's.
    This environment holds the same pinned stack as the conda env, so a dry run here shows what pip
    would do there: install rlcourse and nothing else.
    """
    requirements = tmp_path / "condaenv.test.requirements.txt"
    requirements.write_text("\n".join(conda_pip_section()) + "\n")
    report = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-U", "-r", str(requirements), "--exists-action=b",
         "--dry-run", "--quiet", "--report", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"pip rejects environment.yml's pip section:\n{done.stderr[-2000:]}"
    would_install = {item["metadata"]["name"] for item in json.loads(report.read_text())["install"]}
    assert would_install == {"rlcourse"}, f"pip would also install {would_install - {'rlcourse'}} over conda's"


#: modules that every Python process of the course imports (a kernel, a test worker, a sweep worker),
#: and the largest of them: torch._dynamo (imported by torch.optim) and sympy (imported by it)
IMPORTED_BY_EVERY_PROCESS = ("torch", "torch._dynamo.convert_frame", "sympy", "numpy", "gymnasium",
                             "matplotlib.pyplot", "ipykernel.kernelapp")

#: run by each environment's own interpreter: the modules whose bytecode that interpreter would not
#: use (missing, or stale against its source), so it would compile them again in every process
_MISSING_BYTECODE = """
import importlib.util, os, sys
missing = []
for name in sys.argv[1:]:
    source = importlib.util.find_spec(name).origin
    try:
        with open(importlib.util.cache_from_source(source), "rb") as file:
            header = file.read(16)
    except FileNotFoundError:
        missing.append(name)
        continue
    stat = os.stat(source)
    if (header[:4] != importlib.util.MAGIC_NUMBER or int.from_bytes(header[4:8], "little") != 0
            or int.from_bytes(header[8:12], "little") != int(stat.st_mtime) & 0xFFFFFFFF
            or int.from_bytes(header[12:16], "little") != stat.st_size & 0xFFFFFFFF):
        missing.append(name)
print(" ".join(missing))
"""


def test_each_environment_holds_the_bytecode_of_what_every_process_imports():
    """Set-up compiles the environments' packages (the Makefile's COMPILE_BYTECODE). With
    PYTHONDONTWRITEBYTECODE set, as on CI machines, no process writes bytecode, so without it each
    kernel and worker compiled torch's imports again: 13.4 s instead of 5.0 s on a 2-core EPYC."""
    interpreters = [Path(sys.executable)] + [path for path in [ROOT / ".venv-oldest/bin/python"]
                                             if path.exists()]
    for python in interpreters:
        done = subprocess.run([str(python), "-c", _MISSING_BYTECODE, *IMPORTED_BY_EVERY_PROCESS],
                              capture_output=True, text=True, timeout=120, check=True)
        assert done.stdout.split() == [], (
            f"{python} would compile {done.stdout.split()} from source in every process: an "
            "environment set up before set-up compiled bytecode; compile it with "
            f"`{python} -m compileall -q -j 0 -x py312_intrinsics "
            "$(" f"{python} -c 'import sysconfig; print(sysconfig.get_path(\"purelib\"))')`")
