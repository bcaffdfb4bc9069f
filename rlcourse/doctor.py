"""``rlcourse doctor``: check a machine before a workshop (chapter 00).

It prints the versions of the stack, torch's thread count and device, then makes every env the
course uses, resets it with a seed, steps it and renders an RGB frame. Whatever is missing or
broken is named together with the command that fixes it. Exit status 0 means ready.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys
from dataclasses import dataclass

from rlcourse.i18n import N_, _

#: every env a chapter uses
COURSE_ENVS = ("FrozenLake-v1", "FrozenLake8x8-v1", "CliffWalking-v1", "Taxi-v4",
               "CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "MountainCarContinuous-v0")

#: distribution name -> import name, for the packages the course needs at run time
STACK = {"torch": "torch", "gymnasium": "gymnasium", "numpy": "numpy", "pygame": "pygame",
         "matplotlib": "matplotlib", "ipywidgets": "ipywidgets", "tqdm": "tqdm",
         "safetensors": "safetensors", "imageio": "imageio", "imageio-ffmpeg": "imageio_ffmpeg",
         "jupyterlab": "jupyterlab", "nbval": "nbval"}

FIX = N_("make setup   (or: pip install -c constraints.txt -e '.[dev]')")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_packages() -> list[Check]:
    checks = []
    for dist, module in STACK.items():
        try:
            version = importlib.metadata.version(dist)
            importlib.import_module(module)
            checks.append(Check(dist, True, version))
        except Exception as exc:  # a missing or broken install, named below
            checks.append(Check(dist, False, f"{type(exc).__name__}: {exc}".splitlines()[0],
                                fix=_("pip install -c constraints.txt {package}    or: {fix}").format(
                                    package=dist, fix=_(FIX))))
    return checks


def check_env(env_id: str) -> Check:
    """Make, seed-reset, step and render one env; report what failed."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    stage = "make"
    try:
        from rlcourse.envs import make_env

        env = make_env(env_id, render_mode="rgb_array")
        stage = "reset(seed=0)"
        obs, _info = env.reset(seed=0)
        obs_again, _info = env.reset(seed=0)
        import numpy as np

        if not np.array_equal(np.asarray(obs), np.asarray(obs_again)):
            return Check(env_id, False, _("reset(seed=0) twice gave different observations"))
        stage = "step"
        env.action_space.seed(0)
        env.step(env.action_space.sample())
        stage = "render"
        frame = env.render()
        env.close()
        if frame is None or getattr(frame, "ndim", 0) != 3 or frame.shape[2] != 3:
            return Check(env_id, False, _("render() gave {type}, not an RGB array").format(type=type(frame).__name__),
                         fix="pip install -c constraints.txt pygame")
        return Check(env_id, True, _("frame {width}x{height}").format(width=frame.shape[1], height=frame.shape[0]))
    except Exception as exc:
        message = _("{stage} failed: {error}").format(stage=stage, error=f"{type(exc).__name__}: {exc}").splitlines()[0]
        fix = "pip install -c constraints.txt pygame" if "pygame" in str(exc) else _(FIX)
        return Check(env_id, False, message, fix=fix)


def run_checks() -> tuple[list[Check], list[Check]]:
    packages = check_packages()
    installed = {c.name for c in packages if c.ok}
    if {"gymnasium", "numpy", "torch"} <= installed:
        envs = [check_env(env_id) for env_id in COURSE_ENVS]
    else:
        envs = [Check(_("environments"), False, _("not checked: gymnasium, numpy or torch is missing"), fix=_(FIX))]
    return packages, envs


def main() -> int:
    print(_("rlcourse doctor: Python {version} at {prefix}").format(version=sys.version.split()[0], prefix=sys.prefix))
    packages, envs = run_checks()
    print(_("\nPackages"))
    for check in packages:
        print(f"  {'ok ' if check.ok else 'BAD'}  {check.name:<15} {check.detail}")
    try:
        import torch

        from rlcourse.networks import select_device

        print(_("\nTorch: {threads} threads, device {device} (CUDA available: {cuda})").format(
            threads=torch.get_num_threads(), device=select_device(), cuda=torch.cuda.is_available()))
    except Exception as exc:
        print(_("\nTorch: unavailable ({error})").format(error=type(exc).__name__))
    print(_("\nEnvironments (make, reset with a seed, step, render an RGB frame)"))
    for check in envs:
        print(f"  {'ok ' if check.ok else 'BAD'}  {check.name:<26} {check.detail}")
    broken = [c for c in packages + envs if not c.ok]
    if not broken:
        print(_("\nAll good: the course is ready to run."))
        return 0
    print(_("\n{count} problem(s):").format(count=len(broken)))
    for check in broken:
        print(_("  - {name}: {detail}\n    fix: {fix}").format(name=check.name, detail=check.detail, fix=check.fix))
    return 1
