"""Progress bars: text in a terminal, a widget in a notebook, nothing when switched off."""

import nbformat
import pytest
from nbclient import NotebookClient

from rlcourse.progress import progress_bar, progress_enabled, show_eval


@pytest.mark.parametrize("value, enabled", [("0", False), ("off", False), ("False", False),
                                            ("no", False), ("1", True), ("", True)])
def test_the_environment_variable_switches_bars_off(monkeypatch, value, enabled):
    monkeypatch.setenv("RLCOURSE_PROGRESS", value)
    assert progress_enabled(True) is enabled
    assert progress_enabled(False) is False


def test_a_disabled_bar_draws_nothing_but_keeps_the_interface(capsys):
    with progress_bar(100, desc="DQN", enabled=False) as bar:
        bar.update()
        bar.update(9)
        show_eval(bar, 135.25)
        bar.set_description("x")
        bar.set_postfix_str("y")
    assert (bar.n, bar.total, bar.postfix) == (10, 100, {"eval return": "135.2"})
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_in_a_terminal_the_bar_is_text_with_the_latest_evaluation_return(monkeypatch, capsys):
    monkeypatch.delenv("RLCOURSE_PROGRESS", raising=False)
    with progress_bar(10, desc="DQN CartPole-v1") as bar:
        bar.update(4)
        show_eval(bar, 21.0)
        bar.update(6)
        show_eval(bar, 500.0)
    text = capsys.readouterr().err
    last = text.strip().split("\r")[-1]
    assert last.startswith("DQN CartPole-v1: 100%")
    assert "10/10" in last and "eval return=500" in last


def test_in_a_notebook_the_bar_is_a_widget_whose_stored_text_is_the_same_every_run(monkeypatch):
    monkeypatch.delenv("RLCOURSE_PROGRESS", raising=False)  # the kernel inherits the environment
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from rlcourse.progress import progress_bar, show_eval\n"
        "with progress_bar(1000, desc='DQN CartPole-v1') as bar:\n"
        "    for step in range(1000):\n"
        "        bar.update()\n"
        "    show_eval(bar, 123.4)\n")])
    texts = []
    for _ in range(2):
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
        (output,) = nb.cells[0].outputs
        assert "application/vnd.jupyter.widget-view+json" in output["data"]
        texts.append(output["data"]["text/plain"])
    assert texts[0] == texts[1]
    assert texts[0].startswith("DQN CartPole-v1:   0%|")

