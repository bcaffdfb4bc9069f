"""Checks of every stored notebook (notebooks/ and exercises/): valid, clean, and up to date.

A notebook whose code changed without a re-run fails here; re-run it with
``.venv/bin/python tools/execute_notebooks.py PATH``.
"""

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
RERUN = "re-run it with: .venv/bin/python tools/execute_notebooks.py {path}"


def _load_tool():
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "tools" / "execute_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


def notebook_paths() -> list[Path]:
    paths = []
    for folder in ("notebooks", "exercises"):
        paths += [p for p in sorted((ROOT / folder).rglob("*.ipynb"))
                  if ".ipynb_checkpoints" not in p.parts]
    return paths


NOTEBOOKS = notebook_paths()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]


def stale_hash(nb, path) -> str | None:
    stored = nb.metadata.get("rlcourse", {}).get("source_hash")
    if stored != tool.source_hash(nb):
        return (f"{path}: its code is not what was run (source hash mismatch); "
                + RERUN.format(path=path))
    return None


def execution_order_problems(nb) -> list[str]:
    counts = [c.get("execution_count") for c in nb.cells if c.cell_type == "code"]
    ran = [c for c in counts if c is not None]
    if ran != list(range(1, len(ran) + 1)):
        return [f"execution counts {ran} are not 1, 2, 3, ...: run it top to bottom in a fresh kernel"]
    return []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_valid_clean_and_up_to_date(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    found = tool.problems(nb)  # stored errors (unless tagged raises-exception) and machine paths
    found += execution_order_problems(nb)
    rel = path.relative_to(ROOT)
    stale = stale_hash(nb, rel)
    if stale:
        found.append(stale)
    assert not found, "\n".join(found)


def test_notebook_names_are_numbered_and_unique():
    numbers = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        match = re.fullmatch(r"(\d\d)_[a-z0-9_]+\.ipynb", path.name)
        assert match, f"{path.name} is not named NN_topic.ipynb"
        assert match.group(1) not in numbers, f"{path.name} and {numbers[match.group(1)]} share a number"
        numbers[match.group(1)] = path.name


def make_notebook():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# hi"),
                nbformat.v4.new_code_cell("x = 1", execution_count=1),
                nbformat.v4.new_code_cell("print(x)", execution_count=2,
                                          outputs=[nbformat.v4.new_output("stream", text="1\n")])]
    nb.metadata["rlcourse"] = {"source_hash": tool.source_hash(nb)}
    return nb


def test_hash_check_fails_for_a_modified_copy(tmp_path):
    path = tmp_path / "99_copy.ipynb"
    nbformat.write(make_notebook(), path)
    nb = nbformat.read(path, as_version=4)
    assert stale_hash(nb, path) is None
    nb.cells[1].source = "x = 2"  # code changed, outputs not re-run
    nbformat.write(nb, path)
    message = stale_hash(nbformat.read(path, as_version=4), path)
    assert message and "tools/execute_notebooks.py" in message
    # markdown edits do not need a re-run
    nb = make_notebook()
    nb.cells[0].source = "# hello"
    assert stale_hash(nb, path) is None


def test_checks_catch_errors_paths_and_order():
    nb = make_notebook()
    assert tool.problems(nb) == [] and execution_order_problems(nb) == []
    nb.cells[2].outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])]
    assert any("stored error ValueError" in p for p in tool.problems(nb))
    nb.cells[2].metadata["tags"] = ["raises-exception"]
    assert tool.problems(nb) == []
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", text=f"saved to {ROOT}/runs/x\n")]
    assert any("machine path" in p for p in tool.problems(nb))
    nb.cells[2].execution_count = 5
    assert execution_order_problems(nb)


def test_every_chapter_links_the_glossary_and_the_glossary_names_real_code():
    glossary = (ROOT / "notebooks" / "glossary.md").read_text()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        first = nbformat.read(path, as_version=4).cells[0]
        assert "](glossary.md)" in first.source, f"{path.name}: its first cell must link the glossary"
    import rlcourse.ddpg, rlcourse.dqn, rlcourse.envs, rlcourse.networks, rlcourse.tabular  # noqa: E401

    # every `name` in the "in the code" column that looks like a function or constant must exist,
    # so a rename in the package cannot leave the glossary pointing at nothing
    modules = [rlcourse.ddpg, rlcourse.dqn, rlcourse.envs, rlcourse.networks, rlcourse.tabular]
    rows = [line.split("|") for line in glossary.splitlines() if line.startswith("| ") and "---" not in line]
    names = {name for row in rows[1:] for name in re.findall(r"`([a-z_A-Z]+)`", row[4])}
    plain_words = {"obs", "next_obs", "env", "terminated", "truncated", "reward", "episode_return",
                   "gamma", "act", "q_table", "q_values", "td_error", "q_pred", "q_network",
                   "target_q_network", "target_update_every", "tau", "max_grad_norm", "actor",
                   "critic", "target_actor", "target_critic", "seed"}
    missing = [name for name in names - plain_words if not any(hasattr(m, name) for m in modules)]
    assert not missing, f"the glossary names code that does not exist: {missing}"
