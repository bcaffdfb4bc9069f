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
compares sources only (cell types, code, tags, nbgrader metadata), never outputs.

For instructors who grade with nbgrader, ``build`` also writes nbgrader's cell metadata (the
``nbgrader`` key, :func:`nbgrader_metadata`) into every solution and learner version, so the
solution notebooks serve as nbgrader's sources (``nbgrader generate_assignment``):

* a cell with a solution region is a *solution* cell (nbgrader replaces the region with its stub);
  in a markdown cell it is a written answer, graded by hand (:data:`POINTS_PER_WRITTEN_ANSWER`);
* a cell that calls a check, ``check_x(...)``, is an *autograded test* cell worth
  :data:`POINTS_PER_CHECK` point, named after the check (``grade_id = "check_x"``); under
  ``nbgrader autograde`` the checks raise on a wrong answer (``NBGRADER_EXECUTION`` is set; see
  :mod:`rlcourse.checks.engine`), so the points are the checks' verdicts;
* every other cell is *locked* (read-only): nbgrader restores it before grading.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat

from rlcourse.i18n import _

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
SOLUTIONS = EXERCISES / "solutions"
BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
HINT = "# HINT:"
BUG = "# BUG:"
MARKDOWN_ANSWER = "_Your answer here._"
#: the points nbgrader gives for one check that passes
POINTS_PER_CHECK = 1
#: the points of a written answer (a markdown solution region, e.g. "what went wrong?"), graded by hand
POINTS_PER_WRITTEN_ANSWER = 1
#: a cell that calls a check: ``check_td_target(td_target)``, ``check_x(fn, reveal=False)``
CHECK_CALL = re.compile(r"^\s*(check_\w+)\(", re.M)
#: nbgrader's cell-metadata schema (nbgrader 0.9)
NBGRADER_SCHEMA = 3


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


def nbgrader_metadata(cell: nbformat.NotebookNode) -> dict:
    """nbgrader's metadata for one cell of a solution notebook: solution, autograded test, or locked.

    Raises:
        ValueError: a cell both holds a solution region and calls a check (nbgrader would lock the
            answer or let the learner edit the test), or calls two checks (one test, one verdict).
    """
    checks = CHECK_CALL.findall(cell.source) if cell.cell_type == "code" else []
    solution = any(line.strip() == BEGIN for line in cell.source.split("\n"))
    if checks and solution:
        raise ValueError(f"cell {cell.get('id')}: a cell with a solution region also calls {checks[0]}(); "
                         "put the check in a cell of its own")
    if len(checks) > 1:
        raise ValueError(f"cell {cell.get('id')}: calls {len(checks)} checks ({', '.join(checks)}); give each "
                         "check a cell of its own, so nbgrader scores each")
    # a written answer (a markdown solution) is graded by hand: nbgrader wants it a grade cell
    written = solution and cell.cell_type == "markdown"
    metadata = {"schema_version": NBGRADER_SCHEMA, "solution": solution, "grade": bool(checks) or written,
                "locked": not solution, "task": False}
    if checks:
        metadata["grade_id"], metadata["points"] = checks[0], POINTS_PER_CHECK
    else:
        metadata["grade_id"] = f"{'answer' if solution else 'cell'}-{cell['id']}"
    if written:
        metadata["points"] = POINTS_PER_WRITTEN_ANSWER
    return metadata


def with_nbgrader_metadata(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """``nb`` with nbgrader's metadata written into every cell (in place; returned for chaining)."""
    for index, cell in enumerate(nb.cells):
        if "id" not in cell:
            raise ValueError(f"solutions/{name}, cell {index}: no cell id; nbformat 4.5 notebooks have them "
                             "(open and save it in JupyterLab)")
        try:
            cell.metadata["nbgrader"] = nbgrader_metadata(cell)
        except ValueError as error:
            raise ValueError(f"solutions/{name}, {error}") from None
    return nb


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
            # the solution cell's role: a learner version handed in instead of nbgrader's release still grades
            try:
                new.metadata["nbgrader"] = nbgrader_metadata(cell)
            except ValueError as error:
                raise ValueError(f"solutions/{name}, {error}") from None
        nb.cells.append(new)
    return nb


def comparable(nb: nbformat.NotebookNode) -> list[tuple[str, str, tuple[str, ...], str]]:
    """What ``check`` compares: each cell's type, source, tags and nbgrader metadata."""
    return [(cell.cell_type, cell.source, tuple(cell.metadata.get("tags", [])),
             repr(sorted(cell.metadata.get("nbgrader", {}).items()))) for cell in nb.cells]


def solution_paths() -> list[Path]:
    return sorted(p for p in SOLUTIONS.glob("*.ipynb") if re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", p.name))


def stale_learner_versions() -> list[str]:
    """Problems ``check`` reports: learner versions missing, different from what build writes, or orphaned."""
    problems = []
    for solution_path in solution_paths():
        target = EXERCISES / solution_path.name
        solution = nbformat.read(solution_path, as_version=4)
        marked = with_nbgrader_metadata(nbformat.from_dict(solution), solution_path.name)
        if comparable(solution) != comparable(marked):
            problems.append(_("exercises/solutions/{name} lacks nbgrader's cell metadata, or has stale "
                              "metadata").format(name=solution_path.name))
        expected = learner_version(solution, solution_path.name)
        if not target.exists():
            problems.append(_("exercises/{name} is missing").format(name=target.name))
        elif comparable(nbformat.read(target, as_version=4)) != comparable(expected):
            problems.append(_("exercises/{name} is not what its solution generates").format(name=target.name))
    names = {p.name for p in solution_paths()}
    for learner in sorted(EXERCISES.glob("*.ipynb")):
        if learner.name not in names:
            problems.append(_("exercises/{name} has no solution notebook exercises/solutions/{name}").format(
                name=learner.name))
    return problems


def _notebook_tool():
    path = ROOT / "tools" / "execute_notebooks.py"
    if not path.exists():
        raise SystemExit(_("building the exercises needs the course repository's {tool} (in tools/); run this "
                           "command from a clone of the repository").format(tool=path.name))
    spec = importlib.util.spec_from_file_location("execute_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_nbgrader_metadata(solution_path: Path) -> None:
    """Write nbgrader's cell metadata into a solution notebook (outputs kept)."""
    solution = nbformat.read(solution_path, as_version=4)
    nbformat.write(with_nbgrader_metadata(solution, solution_path.name), solution_path)


def build() -> int:
    """Mark and execute every solution, then write each learner version from it and execute that too."""
    tool = _notebook_tool()
    for solution_path in solution_paths():
        write_nbgrader_metadata(solution_path)
        seconds = tool.execute(solution_path)
        print(_("exercises/solutions/{name}: executed in {seconds} s").format(
            name=solution_path.name, seconds=f"{seconds:.1f}"))
        target = EXERCISES / solution_path.name
        nbformat.write(learner_version(nbformat.read(solution_path, as_version=4), solution_path.name), target)
        seconds = tool.execute(target)
        print(_("exercises/{name}: written from its solution and executed in {seconds} s").format(
            name=target.name, seconds=f"{seconds:.1f}"))
    return 0


def check() -> int:
    """Exit status 1, with the reasons, when the committed learner versions are stale."""
    problems = stale_learner_versions()
    for problem in problems:
        print(problem)
    if problems:
        print(_("Regenerate them with: rlcourse exercises build"))
        return 1
    print(_("{count} learner versions match their solutions").format(count=len(solution_paths())))
    return 0


def main(action: str) -> int:
    """The ``rlcourse exercises build|check`` command."""
    if action == "build":
        return build()
    if action == "check":
        return check()
    raise ValueError(_("unknown action {action}: use 'build' or 'check'").format(action=repr(action)))
