"""tests/nbval_sanitize.cfg: outputs that legitimately vary between runs read the same once sanitised."""

import configparser
import re
from pathlib import Path


def sanitize(text: str) -> str:
    """Apply tests/nbval_sanitize.cfg the way nbval does: each regex in file order."""
    config = configparser.ConfigParser()
    config.read(Path(__file__).with_name("nbval_sanitize.cfg"))
    for section in config.sections():
        text = re.sub(config[section]["regex"], config[section]["replace"], text)
    return text


def test_text_bars_of_two_runs_read_the_same_once_sanitised():
    # elapsed, remaining, rate (either way round) and postfix all vary from run to run
    first = ("DQN CartPole-v1:  40%|####      | 400/1000 [00:12<00:18, 33.12step/s, eval return=21.5]\n"
             "DQN CartPole-v1: 100%|##########| 1000/1000 [1:02:03<00:00, 1.23s/step, eval return=500]")
    second = ("DQN CartPole-v1:  40%|####      | 400/1000 [00:09<00:14, 41.70step/s, eval return=21.5]\n"
              "DQN CartPole-v1: 100%|##########| 1000/1000 [0:58:41<00:00, 2.04s/step, eval return=500]")
    assert sanitize(first) == sanitize(second)
    assert sanitize(first).splitlines()[0] == "DQN CartPole-v1:  40%|BAR| 400/1000 [TQDM]"


def test_a_bar_drawn_at_another_width_reads_the_same_but_its_progress_is_still_checked():
    # the text form of a progress widget, as two tqdm versions draw it (seen: 4.70 and 4.66)
    wide = "DDPG Pendulum-v1:   0%|                             | 0/6000 [00:00<?, ?step/s]"
    narrow = "DDPG Pendulum-v1:   0%|          | 0/6000 [00:00<?, ?step/s]"
    assert sanitize(wide) == sanitize(narrow) == "DDPG Pendulum-v1:   0%|BAR| 0/6000 [TQDM]"
    assert sanitize("x:  40%|####      | 400/1000") != sanitize("x:  50%|#####     | 500/1000")


def test_a_warning_from_a_cell_reads_the_same_in_every_kernel():
    first = "/tmp/ipykernel_17929/1196054997.py:8: UserWarning: careful\n"
    second = "/var/folders/x1/T/ipykernel_18003/1196054997.py:8: UserWarning: careful\n"
    assert sanitize(first) == sanitize(second) == "IPYKERNEL_CELL.py:8: UserWarning: careful\n"
