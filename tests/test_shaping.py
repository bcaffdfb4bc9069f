"""Tests of rlcourse.shaping: Morvan Zhou's reward, computed as his lesson computes it, on a CartPole
that is otherwise unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from rlcourse import shaping
from rlcourse.envs import make_env

X_MAX, ANGLE_MAX = 2.4, 12 * 2 * np.pi / 360  # CartPole's limits


@pytest.mark.parametrize("obs, expected", [
    ([0.0, 5.0, 0.0, -5.0], 0.2 + 0.5),          # centred and upright: the most, whatever the speeds
    ([1.2, 0.0, 0.0, 0.0], 0.5 - 0.8 + 0.5),     # half-way to the end of the track
    ([-1.2, 0.0, 0.0, 0.0], 0.5 - 0.8 + 0.5),    # either side
    ([0.0, 0.0, -ANGLE_MAX / 4, 0.0], 0.2 + 0.75 - 0.5),
    ([2.4, 0.0, ANGLE_MAX, 0.0], -0.8 - 0.5),    # at both limits: the least
])
def test_the_reward_is_r1_plus_r2_of_position_and_angle(obs, expected):
    assert shaping.morvan_reward(obs, X_MAX, ANGLE_MAX) == pytest.approx(expected, abs=1e-12)


def test_the_env_is_cartpole_with_that_reward_and_cartpoles_own_kept_in_info():
    shaped, plain = make_env(shaping.ENV_ID), make_env("CartPole-v1")
    obs_s, _ = shaped.reset(seed=3)
    obs_p, _ = plain.reset(seed=3)
    np.testing.assert_array_equal(obs_s, obs_p)
    actions = np.random.default_rng(0).integers(2, size=600)
    for step, action in enumerate(actions, start=1):
        obs_s, reward, terminated_s, truncated_s, info = shaped.step(int(action))
        obs_p, env_reward, terminated_p, truncated_p, _ = plain.step(int(action))
        np.testing.assert_array_equal(obs_s, obs_p)  # the same dynamics, the same ends
        assert (terminated_s, truncated_s) == (terminated_p, truncated_p)
        assert info["env_reward"] == env_reward == 1.0
        assert reward == pytest.approx(shaping.morvan_reward(obs_s, X_MAX, ANGLE_MAX))
        if terminated_s or truncated_s:
            break
    assert terminated_s and reward < 0  # a fall: past a limit, the reward is negative


def test_cartpoles_time_limit_is_kept():
    env = make_env(shaping.ENV_ID)
    env.reset(seed=0)
    cartpole = env.unwrapped
    for step in range(1, 501):
        cartpole.state = np.zeros(4)  # hold the pole up by hand: only the clock can end it
        _, _, terminated, truncated, _ = env.step(step % 2)
        assert not terminated
        if truncated:
            break
    assert step == 500 and truncated
