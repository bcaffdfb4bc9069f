"""Give every notebook a first code cell that installs the course on Colab, and nowhere else.

    .venv/bin/python tools/install_cell.py notebooks/*.ipynb exercises/*.ipynb exercises/solutions/*.ipynb
    .venv/bin/python tools/install_cell.py --check notebooks/*.ipynb ...   # exit 1 if one is missing or stale

A notebook opened on Colab from the repository runs in a runtime that has torch, numpy and IPython
but not the course. The cell this tool writes (:func:`cell_source`) installs the course there from
the repository in ``[project.urls]`` (pyproject.toml, the one place the address lives); on a
clone after ``make setup``, on Binder (its image installs the course: binder/), on a JupyterHub and
under nbval it does nothing and prints nothing. Without a network the install fails with one line
that says what failed and what to do, not a traceback.

The tool is idempotent: a notebook that already has the cell (found by its id, :data:`CELL_ID`) gets
it updated in place and moved to the front, never a second copy. The cell is written without
outputs and the notebook is not re-executed: locally the cell runs nothing, so its code is left out
of the notebook's source hash (tools/execute_notebooks.py). ``rlcourse exercises build`` copies the
cell from each solution into its learner version with its id, like every other cell. The README's
Colab and Binder badges are made from the same address (:func:`badge_line`).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def _execute_notebooks():
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: the cell's id, defined beside the source hash that leaves the cell out
CELL_ID = _execute_notebooks().INSTALL_CELL_ID

#: the branch the Colab and Binder links open
BRANCH = "main"
#: the notebook the README's badges open
START_HERE = "notebooks/00_start_here.ipynb"

TEMPLATE = '''\
# On Colab, this cell installs the course into the runtime first (a minute or two). Anywhere else
# (a clone after `make setup`, Binder, a JupyterHub) the course is installed already: it does nothing.
import importlib.util
import subprocess
import sys

if "google.colab" in sys.modules and importlib.util.find_spec("rlcourse") is None:
    COURSE = {requirement}
    print(f"Installing {{COURSE}} ...")
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-color", COURSE],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        lines = [line.strip() for line in pip.stderr.splitlines()]
        reason = next((line for line in lines if line.startswith(("fatal:", "ERROR:"))),
                      f"pip exited with status {{pip.returncode}}")

        class InstallFailed(Exception):
            def _render_traceback_(self):  # IPython shows this line instead of a traceback
                return [f"InstallFailed: {{self}}"]

        raise InstallFailed(f"could not install the course ({{reason}}). This runtime needs internet "
                            "access to GitHub and PyPI: reconnect (Runtime > Disconnect and delete "
                            "runtime), then run this cell again.")'''


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """``[project.urls] Repository`` of pyproject.toml, without a trailing slash or ``.git``."""
    urls = tomllib.loads(pyproject.read_text())["project"].get("urls", {})
    if "Repository" not in urls:
        raise SystemExit(f"{pyproject}: [project.urls] has no Repository = \"https://...\" entry")
    return re.sub(r"(\.git)?/?$", "", urls["Repository"])


def cell_source(url: str) -> str:
    """The install cell's code, installing the course from the git repository at ``url``."""
    return TEMPLATE.format(requirement=json.dumps(f"rlcourse @ git+{url}"))


def github_slug(url: str) -> str:
    """``owner/name`` of a GitHub address: Colab and Binder open notebooks from GitHub."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+)", url)
    if not match:
        raise SystemExit(f"[project.urls] Repository = {url!r}: Colab and Binder links need a "
                         "https://github.com/OWNER/NAME address")
    return match.group(1)


def colab_url(url: str, notebook: str = START_HERE) -> str:
    return f"https://colab.research.google.com/github/{github_slug(url)}/blob/{BRANCH}/{notebook}"


def binder_url(url: str, notebook: str = START_HERE) -> str:
    return f"https://mybinder.org/v2/gh/{github_slug(url)}/{BRANCH}?urlpath=lab/tree/{notebook}"


def badge_line(url: str) -> str:
    """The README's line of launch badges for ``url``."""
    return (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(url)}) "
            f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(url)})")


def new_cell(url: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(cell_source(url))
    cell["id"] = CELL_ID
    return cell


def nbgrader_metadata(nb: nbformat.NotebookNode, cell: nbformat.NotebookNode) -> dict | None:
    """The ``nbgrader`` metadata the install cell needs in ``nb``, or None where it needs none.

    ``rlcourse exercises build`` gives every cell of an exercise nbgrader's metadata, and its check
    compares it: in a notebook whose cells carry it, the install cell gets the build's own.
    """
    if not any("nbgrader" in other.metadata for other in nb.cells if other is not cell):
        return None
    from rlcourse.exercise_build import nbgrader_metadata as build_metadata

    return build_metadata(cell)


def with_install_cell(nb: nbformat.NotebookNode, url: str) -> nbformat.NotebookNode:
    """``nb`` with the install cell, up to date and without outputs, before its first other code cell."""
    others = [cell for cell in nb.cells if cell.get("id") != CELL_ID]
    first_code = next((i for i, cell in enumerate(others) if cell.cell_type == "code"), len(others))
    existing = next((cell for cell in nb.cells if cell.get("id") == CELL_ID), None)
    cell = existing if existing is not None and existing.cell_type == "code" else new_cell(url)
    if cell.source != cell_source(url) or cell.outputs:
        cell.source, cell.outputs, cell.execution_count = cell_source(url), [], None
    grading = nbgrader_metadata(nb, cell)
    if grading is not None:
        cell.metadata["nbgrader"] = grading
    nb.cells = others[:first_code] + [cell] + others[first_code:]
    return nb


def problem(nb: nbformat.NotebookNode, url: str) -> str | None:
    """What is wrong with ``nb``'s install cell, or None."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if not any(cell.get("id") == CELL_ID for cell in nb.cells):
        return "has no install cell"
    if code[0].get("id") != CELL_ID:
        return "has its install cell after another code cell"
    if code[0].source != cell_source(url):
        return f"has an install cell that does not install from {url}"
    if code[0].outputs:
        return "has an install cell with stored outputs"
    grading = nbgrader_metadata(nb, code[0])
    if grading is not None and code[0].metadata.get("nbgrader") != grading:
        return "has an install cell without the nbgrader metadata of its other cells"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="notebooks (.ipynb)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook needs the tool")
    args = parser.parse_args(argv)
    url = repository_url()
    not_notebooks = [str(p) for p in args.paths if p.suffix != ".ipynb" or not p.is_file()]
    if not_notebooks:
        parser.error(f"not a notebook file: {', '.join(not_notebooks)}")
    problems = []
    for path in args.paths:
        try:
            nb = nbformat.read(path, as_version=4)
        except (json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
            raise SystemExit(f"{path}: not a readable notebook ({error})") from None
        found = problem(nb, url)
        if args.check:
            if found:
                problems.append(f"{path} {found}")
        elif found:
            nbformat.write(with_install_cell(nb, url), path)
            print(f"{path}: install cell written")
    if problems:
        print("\n".join(problems) + f"\nfix with: python tools/install_cell.py {' '.join(map(str, args.paths))}",
              file=sys.stderr)
        return 1
    if args.check:
        print(f"{len(args.paths)} notebooks have the install cell for {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
