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

#: every env a chapter uses
COURSE_ENVS = ("FrozenLake-v1", "FrozenLake8x8-v1", "CliffWalking-v1", "Taxi-v4",
               "CartPole-v1", "Acrobot-v1", "MountainCar-v0", "Pendulum-v1", "MountainCarContinuous-v0")

#: distribution name -> import name, for the packages the course needs at run time
STACK = {"torch": "torch", "gymnasium": "gymnasium", "numpy": "numpy", "pygame": "pygame",
         "matplotlib": "matplotlib", "ipywidgets": "ipywidgets", "tqdm": "tqdm",
         "safetensors": "safetensors", "imageio": "imageio", "imageio-ffmpeg": "imageio_ffmpeg",
         "jupyterlab": "jupyterlab", "nbval": "nbval"}

FIX = "make setup   (or: pip install -c constraints.txt -e '.[dev]')"


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
                                fix=f"pip install -c constraints.txt {dist}    or: {FIX}"))
    return checks


def check_env(env_id: str) -> Check:
    """Make, seed-reset, step and render one env; report what failed."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    stage = "make"
    try:
        from rlcourse.envs import make_env

        env = make_env(env_id, render_mode="rgb_array")
        stage = "reset(seed=0)"
        obs, _ = env.reset(seed=0)
        obs_again, _ = env.reset(seed=0)
        import numpy as np

        if not np.array_equal(np.asarray(obs), np.asarray(obs_again)):
            return Check(env_id, False, "reset(seed=0) twice gave different observations")
        stage = "step"
        env.action_space.seed(0)
        env.step(env.action_space.sample())
        stage = "render"
        frame = env.render()
        env.close()
        if frame is None or getattr(frame, "ndim", 0) != 3 or frame.shape[2] != 3:
            return Check(env_id, False, f"render() gave {type(frame).__name__}, not an RGB array",
                         fix="pip install -c constraints.txt pygame")
        return Check(env_id, True, f"frame {frame.shape[1]}x{frame.shape[0]}")
    except Exception as exc:
        message = f"{stage} failed: {type(exc).__name__}: {exc}".splitlines()[0]
        fix = "pip install -c constraints.txt pygame" if "pygame" in str(exc) else FIX
        return Check(env_id, False, message, fix=fix)


def run_checks() -> tuple[list[Check], list[Check]]:
    packages = check_packages()
    installed = {c.name for c in packages if c.ok}
    if {"gymnasium", "numpy", "torch"} <= installed:
        envs = [check_env(env_id) for env_id in COURSE_ENVS]
    else:
        envs = [Check("environments", False, "not checked: gymnasium, numpy or torch is missing", fix=FIX)]
    return packages, envs


def main() -> int:
    print(f"rlcourse doctor: Python {sys.version.split()[0]} at {sys.prefix}")
    packages, envs = run_checks()
    print("\nPackages")
    for check in packages:
        print(f"  {'ok ' if check.ok else 'BAD'}  {check.name:<15} {check.detail}")
    try:
        import torch

        from rlcourse.networks import select_device

        print(f"\nTorch: {torch.get_num_threads()} threads, device {select_device()}"
              f" (CUDA available: {torch.cuda.is_available()})")
    except Exception as exc:
        print(f"\nTorch: unavailable ({type(exc).__name__})")
    print("\nEnvironments (make, reset with a seed, step, render an RGB frame)")
    for check in envs:
        print(f"  {'ok ' if check.ok else 'BAD'}  {check.name:<26} {check.detail}")
    broken = [c for c in packages + envs if not c.ok]
    if not broken:
        print("\nAll good: the course is ready to run.")
        return 0
    print(f"\n{len(broken)} problem(s):")
    for check in broken:
        print(f"  - {check.name}: {check.detail}\n    fix: {check.fix}")
    return 1
