"""Execute notebooks in place and store their outputs, the way nbval will re-run them.

    python tools/execute_notebooks.py notebooks/02_q_tables.ipynb [more.ipynb ...]
    make notebooks NB="notebooks/02_*.ipynb"

Each notebook runs top to bottom in a fresh kernel from its own folder. Afterwards the hash of its
code is stored in ``metadata.rlcourse.source_hash``: tests/test_notebooks.py fails when a notebook's
code changed without a re-run. Any error output, or an absolute path of this machine in an output,
stops the tool (a learner must never open a notebook that shows either).
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]

#: the id of the first code cell, which installs the course on Colab (tools/install_cell.py writes
#: it). Outside Colab it runs nothing, so it is left out of the hash: a new repository address
#: changes that cell in every notebook without changing what any of them shows.
INSTALL_CELL_ID = "install-course"


def source_hash(nb: nbformat.NotebookNode) -> str:
    """sha256 over the code cells' sources: what must be re-run when it changes."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("id") != INSTALL_CELL_ID:
            digest.update(cell.source.encode())
            digest.update(b"\0")
    return digest.hexdigest()


def machine_paths() -> list[str]:
    """Absolute paths that would leak this machine's layout into a stored output."""
    return sorted({str(ROOT.parent) + "/", str(ROOT) + "/", os.path.expanduser("~") + "/"} - {"//", "/"})


def problems(nb: nbformat.NotebookNode) -> list[str]:
    found = []
    leaks = machine_paths()
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        for output in cell.get("outputs", []):
            if output.output_type == "error" and "raises-exception" not in tags:
                found.append(f"cell {index}: stored error {output.ename}: {output.evalue}")
            text = str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
            for leak in leaks:
                if leak in text:
                    found.append(f"cell {index}: output shows the machine path {leak}")
    return found


def execute(path: Path, timeout: int = 900) -> float:
    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nb.metadata.setdefault("rlcourse", {})["source_hash"] = source_hash(nb)
    found = problems(nb)
    if found:
        raise SystemExit(f"{path}: not saved, fix these first:\n  " + "\n  ".join(found))
    nbformat.write(nb, path)
    return seconds


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    for name in paths:
        seconds = execute(Path(name))
        print(f"{name}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
