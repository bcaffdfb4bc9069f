"""Tests of rlcourse.doctor: passes here, names what is broken (a real broken install) and the fix."""

import os
import subprocess
import sys

from rlcourse.doctor import FIX, check_env, run_checks


def run_doctor(extra_pythonpath=None):
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    if extra_pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([str(extra_pythonpath), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "rlcourse", "doctor"], capture_output=True,
                          text=True, env=env, timeout=240)


def test_doctor_passes_here():
    packages, envs = run_checks()
    assert all(c.ok for c in packages + envs), [c for c in packages + envs if not c.ok]
    done = run_doctor()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All good" in done.stdout


def test_check_env_reports_an_unknown_env_with_a_fix():
    check = check_env("CartPol-v1")
    assert not check.ok
    assert "make failed" in check.detail and "CartPole-v1" in check.detail
    assert check.fix == FIX


def test_broken_pygame_is_named_with_the_fixing_command(tmp_path):
    broken = tmp_path / "pygame"
    broken.mkdir()
    (broken / "__init__.py").write_text(
        'raise ImportError("pygame is broken: libSDL2-2.0.so.0 not found")\n')
    done = run_doctor(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    out = done.stdout
    assert "BAD  pygame" in out
    assert "ImportError: pygame is broken" in out
    assert "pip install -c constraints.txt pygame" in out
    # the environments that render through pygame are named too
    assert "BAD  CartPole-v1" in out and "render failed" in out
    assert "problem(s)" in out
