"""A corridor that pays only at its far end: where DDPG's exploration noise is what finds the reward.

Chapter 06 takes the exploration noise out of DDPG on Pendulum-v1 and the agent still learns:
random start states and the random warm-up steps explore for it. Noise matters on a task like
MountainCarContinuous-v0, which pays only at the flag and charges for every push, so that every
signal the agent gets before it first arrives says "do nothing". That task takes tens of thousands
of steps per seed; this corridor has the same trap at a few thousand.

``rlcourse/Corridor-v0``: a point on a line, position ``x`` in [−1, 1], starting near 0. The
action ``a`` in [−1, 1] moves it by ``STRIDE · a`` and costs ``EFFORT · a²`` (MountainCar's
``0.1 · a²``); reaching ``x = 1`` pays ``GOAL_REWARD`` and terminates the episode; the episode is
cut (truncated) after ``MAX_STEPS`` steps. Pushing with full force reaches the door in
``1 / STRIDE = 20`` steps, for a return of 10 − 20 · 0.1 = 8; doing nothing returns 0.

Random steps do not find the door: ``MAX_STEPS`` uniformly random actions move the point by a
random walk of standard deviation ``STRIDE · √(MAX_STEPS / 3) ≈ 0.29``, so the door at distance 1
is 3.5 standard deviations away. Noise that is correlated in time (Ornstein–Uhlenbeck) pushes the
same way for dozens of steps and gets there.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

ENV_ID = "rlcourse/Corridor-v0"

#: how far one step at full force moves the point (the door is 1 / STRIDE = 20 such steps away)
STRIDE = 0.05
#: cost per step of pushing with action a: EFFORT · a² (MountainCarContinuous' 0.1)
EFFORT = 0.1
#: paid on reaching the door, which ends the episode
GOAL_REWARD = 10.0
#: the time limit: the episode is truncated after this many steps
MAX_STEPS = 100
#: half-width of the uniform start position around 0
START_SPREAD = 0.05


class CorridorEnv(gym.Env):
    """A point on [−1, 1] pushed by a ∈ [−1, 1]; pays :data:`GOAL_REWARD` at x = 1, costs
    :data:`EFFORT` · a² per step. Observation: ``[x]``, float32 of shape (1,)."""

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, render_mode: None = None) -> None:
        if render_mode is not None:
            raise ValueError(f"CorridorEnv has nothing to draw: render_mode must be None, "
                             f"got {render_mode!r}")
        self.observation_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, shape=(1,), dtype=np.float32)
        self.position = 0.0

    def _obs(self) -> np.ndarray:
        return np.array([self.position], dtype=np.float32)

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.position = float(self.np_random.uniform(-START_SPREAD, START_SPREAD))
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        try:
            push = np.asarray(action, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            push = np.array([np.nan, np.nan])  # not a number at all
        if push.shape != (1,) or not np.isfinite(push[0]):
            raise ValueError(f"action must be one finite number in [-1, 1] (a push to the left "
                             f"or right), got {action!r}")
        push = float(np.clip(push[0], -1.0, 1.0))
        self.position = float(np.clip(self.position + STRIDE * push, -1.0, 1.0))
        reward = -EFFORT * push ** 2
        terminated = self.position >= 1.0
        if terminated:
            reward += GOAL_REWARD
        return self._obs(), reward, terminated, False, {}
