"""Learner versions of the exercise notebooks, generated from their solutions (``rlcourse exercises``).

    rlcourse exercises build   # write exercises/NN_name.ipynb from exercises/solutions/NN_name.ipynb
    rlcourse exercises check   # fail (exit 1) when a committed learner version is not what build writes

One source per exercise: the solution notebook. Code between the nbgrader-compatible markers ::

    ### BEGIN SOLUTION
    # HINT: the next state's value is max over its row of the table
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    ### END SOLUTION

is replaced by the ``# HINT:`` lines and a stub that raises ``NotImplementedError`` with the hint,
so the checks report "not implemented yet". In a markdown cell the region becomes "Your answer here".

The "find the bug" exercises hand out working code with a bug in it instead of a stub: a region
whose lines include ``# BUG: <code>`` gives the learner that code (uncommented, at the comment's
indent) in place of the region; the solution keeps the fix, with the buggy line beside it::

    ### BEGIN SOLUTION
    # BUG: next_value = next_q_values.max(dim=1, keepdim=True).values
    next_value = next_q_values.max(dim=1).values  # (batch,)
    ### END SOLUTION
``build`` executes each solution and then its learner version with ``tools/execute_notebooks.py``
(outputs are stored, so both are committed with what the checks say). ``check``
compares sources only (cell types, code, tags), never outputs.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOLUTIONS = EXERCISES / "solutions"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "# HINT:"
BUG = "# BUG:"
MARKDOWN_ANSWER = "_Your answer here._"


def strip_solution(source: str, *, markdown: bool = False) -> str:
    """``source`` with every solution region replaced by its hint lines and a stub.

    Raises:
        ValueError: a region is opened and not closed, closed without being opened, or nested.
    """
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    for number, line in enumerate(source.split("\n"), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if region is not None:
                raise ValueError(f"line {number}: '{BEGIN}' inside another solution region")
            region, indent = [], line[: len(line) - len(line.lstrip())]
        elif marker == END:
            if region is None:
                raise ValueError(f"line {number}: '{END}' without '{BEGIN}' before it")
            out += _stub(region, indent, markdown)
            region = None
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise ValueError(f"'{BEGIN}' is never closed by '{END}'")
    return "\n".join(out)


def _stub(region: list[str], indent: str, markdown: bool) -> list[str]:
    if markdown:
        return [indent + MARKDOWN_ANSWER]
    bugs = [line.replace(BUG + " ", "", 1).replace(BUG, "", 1) for line in region if line.strip().startswith(BUG)]
    if bugs:
        return bugs
    hints = [line.strip()[len(HINT):].strip() for line in region if line.strip().startswith(HINT)]
    message = "your code here" + (f" (hint: {' '.join(hints)})" if hints else "")
    return ([f"{indent}{HINT} {hint}" for hint in hints]
            + [f"{indent}raise NotImplementedError({message!r})"])


def learner_version(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """The learner's notebook: solution regions stripped, outputs cleared, not yet executed."""
    nb = nbformat.v4.new_notebook(metadata={k: v for k, v in solution.metadata.items() if k != "rlcourse"})
    for index, cell in enumerate(solution.cells):
        try:
            source = strip_solution(cell.source, markdown=cell.cell_type == "markdown")
        except ValueError as error:
            raise ValueError(f"solutions/{name}, cell {index}: {error}") from None
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source)
        else:
            new = nbformat.v4.new_raw_cell(source)
        new.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if "id" in cell:
            new["id"] = cell["id"]
        nb.cells.append(new)
    return nb


def comparable(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...]]]:
    """What ``check`` compares: each cell's type, source and tags."""
    return [(cell.cell_type, cell.source, tuple(cell.metadata.get("tags", []))) for cell in nb.cells]


def solution_paths() -> list[Path]:
    return sorted(p for p in SOLUTIONS.glob("*.ipynb") if re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name))


def stale_learner_versions() -> list[str]:
    """Problems ``check`` reports: learner versions missing, different from what build writes, or orphaned."""
    problems = []
    for solution_path in solution_paths():
        target = EXERCISES / solution_path.name
        expected = learner_version(nbformat.read(solution_path, as_version=4), solution_path.name)
        if not target.exists():
            problems.append(f"exercises/{target.name} is missing")
        elif comparable(nbformat.read(target, as_version=4)) != comparable(expected):
            problems.append(f"exercises/{target.name} is not what its solution generates")
    names = {p.name for p in solution_paths()}
    for learner in sorted(EXERCISES.glob("*.ipynb")):
        if learner.name not in names:
            problems.append(f"exercises/{learner.name} has no solution notebook exercises/solutions/{learner.name}")
    return problems


def _notebook_tool():
    path = ROOT / "tools" / "execute_notebooks.py"
    if not path.exists():
        raise SystemExit(f"building the exercises needs the course repository's {path.name} (in tools/); "
                         "run this command from a clone of the repository")
    spec = importlib.util.spec_from_file_location("execute_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build() -> int:
    """Execute every solution, then write each learner version from it and execute that too."""
    tool = _notebook_tool()
    for solution_path in solution_paths():
        seconds = tool.execute(solution_path)
        print(f"exercises/solutions/{solution_path.name}: executed in {seconds:.1f} s")
        target = EXERCISES / solution_path.name
        nbformat.write(learner_version(nbformat.read(solution_path, as_version=4), solution_path.name), target)
        seconds = tool.execute(target)
        print(f"exercises/{target.name}: written from its solution and executed in {seconds:.1f} s")
    return 0


def check() -> int:
    """Exit status 1, with the reasons, when the committed learner versions are stale."""
    problems = stale_learner_versions()
    for problem in problems:
        print(problem)
    if problems:
        print("Regenerate them with: rlcourse exercises build")
        return 1
    print(f"{len(solution_paths())} learner versions match their solutions")
    return 0


def main(action: str) -> int:
    """The ``rlcourse exercises build|check`` command."""
    if action == "build":
        return build()
    if action == "check":
        return check()
    raise ValueError(f"unknown action {action!r}: use 'build' or 'check'")
