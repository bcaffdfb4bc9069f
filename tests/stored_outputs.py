"""Compare a notebook's outputs from a run elsewhere with its stored outputs, by nbval's own rules.

nbval (``pytest --nbval``) executes a notebook in a kernel of its own and compares each code cell's
new outputs with the stored ones. The browser test (tests/jupyterlab_browser.py) already executes
every chapter in JupyterLab on this CPU's kernels; executing each chapter a second time for nbval
in the same pass doubled the suite's longest work and checked nothing more. So in the first pass of
``make test`` the browser run's outputs are compared here, and nbval executes the chapters only in
the second pass (generic kernels), where its run is a different one.

The rules are nbval's, taken from nbval itself where it exposes them (its comparison, its stream
coalescing and its sanitizer parser, applied through :class:`_Cell`):

- a cell tagged ``nbval-ignore-output`` (or marked ``# NBVAL_IGNORE_OUTPUT``) is not compared, and one
  tagged ``nbval-skip`` neither; a reference cell that was never run (no execution count) neither;
- streams of one name are joined, and ``\\r`` and ``\\b`` applied, before comparing;
- images, metadata, tracebacks, execution counts and widget model ids are not compared
  (``SKIP_COMPARE``, nbval's list when nbdime is off);
- both sides pass through the sanitizers of ``tests/nbval_sanitize.cfg`` first, as with
  ``--nbval-sanitize-with``.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbval.plugin import (IPyNbCell, coalesce_streams, find_comment_markers, find_metadata_tags,
                          get_sanitize_patterns, nocolors)

ROOT = Path(__file__).resolve().parents[1]
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"

#: what nbval leaves out of the comparison (nbval.plugin.IPyNbFile.__init__, nbdime off)
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


class _Cell:
    """Just enough of an nbval cell item for nbval's own ``compare_outputs`` to run on."""

    colors = nocolors
    sanitize = IPyNbCell.sanitize
    compare_outputs = IPyNbCell.compare_outputs

    def __init__(self, patterns: dict[str, str]) -> None:
        self.parent = SimpleNamespace(sanitize_patterns=patterns, skip_compare=SKIP_COMPARE)
        self.comparison_traceback: list[str] = []

    def format_output_compare(self, key: str, left, right) -> None:
        # nbval hands this to pytest's assertion rewriting; a unified diff says the same
        self.comparison_traceback.append(f"mismatch '{key}'")
        if isinstance(left, str) and isinstance(right, str):
            self.comparison_traceback += [line.rstrip("\n") for line in difflib.unified_diff(
                left.splitlines(), right.splitlines(), "stored", "this run", lineterm="", n=1)]
        else:
            self.comparison_traceback += [f"  stored:   {left!r}", f"  this run: {right!r}"]


def sanitize_patterns(path: Path = SANITIZE) -> dict[str, str]:
    """The (regex, replacement) pairs of an nbval sanitize file, in order."""
    return dict(get_sanitize_patterns(path.read_text(encoding="utf-8")))


def cell_options(cell) -> dict:
    """nbval's options of a code cell, from its tags and comment markers (``check``, ``skip``...)."""
    options = defaultdict(bool, find_metadata_tags(cell.metadata))
    options.update(dict(find_comment_markers(cell.source)))
    options.setdefault("check", True)
    return options


def _node(output: dict):
    output = dict(output)
    if isinstance(output.get("text"), list):  # nbformat's multi-line form, as JupyterLab may give
        output["text"] = "".join(output["text"])
    if "data" in output:
        output["data"] = {key: "".join(value) if isinstance(value, list) else value
                          for key, value in output["data"].items()}
    return nbformat.from_dict(output)


def compare(stored: Path, ran: list[list[dict] | None], patterns: dict[str, str] | None = None
            ) -> tuple[int, list[str]]:
    """Compare the outputs of a run of ``stored`` with the outputs stored in it.

    ``ran`` holds, for every cell of the notebook in order (markdown cells too, as ``None`` or
    ``[]``), the outputs the run produced, as nbformat dicts. Returns how many code cells were
    compared and one message per cell whose outputs differ, naming the cell as nbval does
    (``Cell N`` counts code cells from 0) and as the browser test does (``cell i`` counts all cells).
    """
    notebook = nbformat.read(stored, as_version=4)
    if len(ran) != len(notebook.cells):
        return 0, [f"{stored.name}: the run has {len(ran)} cells, the stored notebook "
                   f"{len(notebook.cells)}: not the same notebook"]
    patterns = sanitize_patterns() if patterns is None else patterns
    compared, problems, code_index = 0, [], -1
    for index, (cell, outputs) in enumerate(zip(notebook.cells, ran)):
        if cell.cell_type != "code":
            continue
        code_index += 1
        options = cell_options(cell)
        if options["skip"] or not options["check"] or cell.execution_count is None:
            continue
        compared += 1
        checker = _Cell(patterns)
        test = coalesce_streams([_node(output) for output in outputs or []])
        reference = coalesce_streams([_node(output) for output in cell.outputs])
        if not checker.compare_outputs(test, reference):
            problems.append(f"cell {index} (nbval's Cell {code_index}): outputs differ from the "
                            f"stored ones: " + "\n    ".join(checker.comparison_traceback))
    return compared, problems
