"""Tests of the command line: help, a typo in the env id, evaluating a directory that is not a run."""

import os
import subprocess
import sys

from rlcourse.cli import main


def rlcourse(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rlcourse", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=dict(os.environ, SDL_VIDEODRIVER="dummy"))


def test_help():
    done = rlcourse("--help")
    assert done.returncode == 0
    for command in ("train", "evaluate", "doctor"):
        assert command in done.stdout


def test_train_with_a_typo_in_the_env_exits_2_and_writes_nothing(tmp_path):
    done = rlcourse("train", "dqn", "--env", "CartPol-v1", "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert done.returncode == 2
    assert "'CartPole-v1'" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_train_default_out_dir_is_not_created_on_error(tmp_path):
    done = rlcourse("train", "qlearning", "--env", "FrozenLak-v1", cwd=tmp_path)
    assert done.returncode == 2 and "FrozenLake-v1" in done.stderr
    assert not (tmp_path / "runs").exists()


def test_evaluate_a_directory_without_config(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "has no config.json" in err and "rlcourse train --out DIR" in err


def test_unknown_algorithm_is_an_argparse_error():
    done = rlcourse("train", "ppo", "--env", "CartPole-v1")
    assert done.returncode == 2 and "invalid choice" in done.stderr
