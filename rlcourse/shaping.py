"""Morvan Zhou's reshaped CartPole reward, the one his PyTorch DQN lesson trains on.

His loop throws CartPole's reward of 1 away and stores, for every step, a reward computed from
the state the step led to (``x`` the cart's position, ``theta`` the pole's angle)::

    r1 = (x_threshold - |x|) / x_threshold - 0.8                      # in (-0.8, 0.2]
    r2 = (theta_threshold_radians - |theta|) / theta_threshold_radians - 0.5   # in (-0.5, 0.5]
    r = r1 + r2

so the reward shrinks, and turns negative, as the cart nears the end of the track or the pole
tilts. Chapter 04 trains on it with the terminated mask left out, as his buffer leaves out
``done``, and grades the agents on CartPole's own reward.

``rlcourse/CartPoleMorvanReward-v1`` is CartPole-v1 (time limit 500 included) with that reward;
``info["env_reward"]`` keeps CartPole's own.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym

ENV_ID = "rlcourse/CartPoleMorvanReward-v1"


def morvan_reward(obs: Any, x_threshold: float, theta_threshold: float) -> float:
    """``r1 + r2`` of the state ``obs`` = (x, x_dot, theta, theta_dot) the step led to."""
    x, theta = float(obs[0]), float(obs[2])
    r1 = (x_threshold - abs(x)) / x_threshold - 0.8
    r2 = (theta_threshold - abs(theta)) / theta_threshold - 0.5
    return r1 + r2


class MorvanReward(gym.Wrapper):
    """CartPole with Morvan Zhou's reward (see the module docstring); everything else unchanged."""

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        cartpole = self.env.unwrapped
        shaped = morvan_reward(obs, cartpole.x_threshold, cartpole.theta_threshold_radians)
        return obs, shaped, terminated, truncated, {**info, "env_reward": reward}


def make_cartpole_morvan_reward(**kwargs: Any) -> gym.Env:
    """CartPole-v1 (``gymnasium.make`` keyword arguments passed on) with :class:`MorvanReward`."""
    return MorvanReward(gym.make("CartPole-v1", **kwargs))
