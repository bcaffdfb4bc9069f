"""Every number a notebook's prose quotes is supported by a checked output or a code cell's literal.

The rule and its exemptions are in ``tools/prose_numbers.py``. Fix a failure by quoting a number the
notebook checks, by restating the figure in an ``assert``, or by rewording the prose; a number that
is not a claim (a year, a book's section) goes in the notebook's ``prose_numbers.allow`` metadata
with its reason.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tool(load_script):
    return load_script("tools/prose_numbers.py")


def notebook_paths() -> list[Path]:
    return [p for folder in ("notebooks", "exercises") for p in sorted((ROOT / folder).rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts]


def _param(path: Path):
    rel = str(path.relative_to(ROOT))
    return pytest.param(path, id=rel)


@pytest.mark.parametrize("path", [_param(p) for p in notebook_paths()])
def test_every_number_in_the_prose_is_supported(tool, path):
    found = tool.check(path)
    assert not found, ("numbers the prose quotes that no checked output or code literal supports "
                       "(quote a checked figure, restate it in an assert, or reword):\n"
                       + "\n".join(found))


# --- the checker itself, on small notebooks built here ---

def notebook(markdown: str, *code_cells, metadata=None):
    """A notebook: one markdown cell, then code cells given as (source, printed text, tags)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown)]
    for count, (source, printed, tags) in enumerate(code_cells, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        if printed is not None:
            cell.outputs = [nbformat.v4.new_output("stream", text=printed)]
        cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    if metadata:
        nb.metadata.update(metadata)
    return nb


def numbers(tool, nb):
    found, problems = tool.unsupported(nb)
    return [u.number for u in found], problems


def test_a_number_only_in_an_ignored_output_is_unsupported(tool):
    nb = notebook("The agent scores 412.3 on average.",
                  ("print(score)", "412.3\n", ["nbval-ignore-output"]))
    assert numbers(tool, nb) == (["412.3"], [])
    # the same output, checked by nbval, supports it
    nb.cells[1].metadata["tags"] = []
    assert numbers(tool, nb) == ([], [])
    # a lone NBVAL_IGNORE_OUTPUT comment line ignores the output as the tag does
    nb.cells[1].source = "# NBVAL_IGNORE_OUTPUT\nprint(score)"
    assert numbers(tool, nb) == (["412.3"], [])


def test_an_assert_in_the_code_supports_a_bound_but_a_comment_or_string_does_not(tool):
    nb = notebook("Every seed ends above 400.",
                  ("print(score)  # about 400", "412.3\n", ["nbval-ignore-output"]))
    assert numbers(tool, nb) == (["400"], [])
    nb.cells[1].source = 'print("above 400")'
    assert numbers(tool, nb) == (["400"], [])
    nb.cells[1].source = "print(score)\nassert min(scores) > 400"
    assert numbers(tool, nb) == ([], [])


def test_skipped_cells_support_nothing(tool):
    nb = notebook("It takes 5000 episodes.", ("train(episodes=5000)", "", ["nbval-skip", "skip-execution"]))
    assert numbers(tool, nb) == (["5000"], [])


def test_a_timing_that_nbval_sanitizes_checks_nothing(tool):
    nb = notebook("Training took 12.5 s.", ("print(seconds)", "took 12.5 s\n", []))
    assert numbers(tool, nb) == (["12.5"], [])
    nb.cells[1].outputs[0].text = "took 12.5 steps\n"  # not a timing: nbval compares it
    assert numbers(tool, nb) == ([], [])


@pytest.mark.parametrize("prose, printed", [
    ("CliffWalking's optimal return is −13.", "-13\n"),      # typographic minus
    ("It stops after 10,000 steps.", "10000\n"),            # thousands separator
    ("It stops after 10000 steps.", "10_000\n"),
    ("The threshold is 0.70.", "0.7\n"),                    # same value, other digits
    ("The cap is 50k steps.", "50000\n"),
    ("It wins 30% of the time.", "30\n"),
])
def test_numbers_are_compared_by_value(tool, prose, printed):
    assert numbers(tool, notebook(prose, ("x", printed, []))) == ([], [])


@pytest.mark.parametrize("prose, printed", [
    ("The rate is 0.7302.", "0.730\n"),      # more digits than the output has
    ("The rate is 0.73.", "0.7302\n"),       # a rounding of the output is not the output
    ("The random policy scores about 22.", "21.7\n"),
    ("It ends at −161.", "-16.1\n"),         # a typographic minus is still read
    ("The cap is 50k steps.", "50\n"),        # 50k is 50000
    ("The year 2015 was good.", "\n"),        # a year outside a citation is a number
])
def test_a_different_figure_is_not_supported(tool, prose, printed):
    assert len(numbers(tool, notebook(prose, ("x", printed, [])))[0]) == 1


@pytest.mark.parametrize("prose", [
    "Call `train(episodes=5000)` first.",                  # inline code
    "```python\ntrain(episodes=5000)\n```",                 # fenced code
    "The target is $r + 0.99 \\max_{a'} Q$.",               # inline math
    "$$y = 0.5 \\cdot 3$$",                                 # display math
    "See [the paper](https://arxiv.org/abs/1509.02971).",   # link target
    "Chapter 04 trains DQN; chapters 05 and 06 go on.",     # chapter numbers
    "Read chapter 4 again.",
    "As 04 showed, and 06 will show again.",
    "## 3. FrozenLake",                                     # heading number
    "1. recall the MDP\n2. derive the update",              # list markers
    "the cautious policy of section 4",
    "DQN (Mnih et al., 2015) and the book (Sutton & Barto, 2018).",  # citation years
    "CartPole-v1 and FrozenLake8x8-v1 and h264",            # parts of names
    '<img src="x.png" width="400">',                        # HTML attributes
])
def test_exempt_parts_are_not_claims(tool, prose):
    assert numbers(tool, notebook(prose, ("x = 1", "", []))) == ([], [])


def test_the_allowlist_exempts_its_phrase_only_and_stays_honest(tool):
    allow = {"prose_numbers": {"allow": [{"text": "Example 6.6", "reason": "a section of the book"}]}}
    nb = notebook("As in Sutton & Barto, Example 6.6; it scores 6.6.", ("x = 1", "", []), metadata=allow)
    assert numbers(tool, nb) == (["6.6"], [])  # the other 6.6 is a claim and stays unsupported
    stale = {"prose_numbers": {"allow": [{"text": "Example 6.5", "reason": "a section of the book"}]}}
    found, problems = tool.unsupported(notebook("Nothing here.", metadata=stale))
    assert any("matches no prose" in p for p in problems)
    no_reason = {"prose_numbers": {"allow": [{"text": "Example 6.6", "reason": ""}]}}
    found, problems = tool.unsupported(notebook("Example 6.6", metadata=no_reason))
    assert [u.number for u in found] == ["6.6"] and any("no 'reason'" in p for p in problems)


def test_the_command_names_cell_number_and_snippet_and_fails(tool, tmp_path, capsys):
    bad, good = tmp_path / "bad.ipynb", tmp_path / "good.ipynb"
    nbformat.write(notebook("The agent reached 0.7441 on the lake.",
                            ("print(rate)", "0.7441\n", ["nbval-ignore-output"])), bad)
    nbformat.write(notebook("The agent reached 0.7441 on the lake.", ("print(rate)", "0.7441\n", [])), good)
    assert tool.main([str(good)]) == 0 and capsys.readouterr().out == ""
    assert tool.main([str(tmp_path / "missing.ipynb")]) == 2
    assert "no such notebook" in capsys.readouterr().err
    # run as a command, the way the rule tells authors to use it
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "prose_numbers.py"), str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "cell 0: '0.7441' is not supported" in result.stdout and "reached 0.7441 on the lake" in result.stdout
