"""Tests of rlcourse.corridor: the env pays and costs what its docstring says, ends where it should,
and is the trap chapter 06 needs: random steps do not find the door, time-correlated noise does."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rlcourse import corridor
from rlcourse.envs import SOLVED_THRESHOLDS, make_env
from rlcourse.noise import make_noise


def fresh(position: float = 0.0) -> gym.Env:
    env = make_env(corridor.ENV_ID)
    env.reset(seed=0)
    env.unwrapped.position = position
    return env


def test_the_id_is_registered_with_its_time_limit_and_its_spaces():
    env = make_env(corridor.ENV_ID)  # registered by rlcourse.envs alone, as in a sweep's worker
    assert env.spec.max_episode_steps == corridor.MAX_STEPS == 100
    assert env.observation_space.shape == env.action_space.shape == (1,)
    assert env.action_space.low[0] == -1.0 and env.action_space.high[0] == 1.0


def test_starts_near_zero_reproducibly_and_differently_per_seed():
    starts = [float(make_env(corridor.ENV_ID).reset(seed=seed)[0][0]) for seed in range(20)]
    assert all(-corridor.START_SPREAD <= x <= corridor.START_SPREAD for x in starts)
    assert len(set(starts)) == 20  # a different start for every seed
    again = make_env(corridor.ENV_ID).reset(seed=7)[0]
    assert again.dtype == np.float32 and float(again[0]) == starts[7]


@pytest.mark.parametrize("push, moved, reward", [(1.0, 0.05, -0.1), (-0.5, -0.025, -0.025),
                                                 (0.0, 0.0, 0.0), (3.0, 0.05, -0.1)])
def test_a_push_moves_by_stride_times_action_and_costs_effort_times_its_square(push, moved, reward):
    env = fresh(0.2)
    obs, got, terminated, truncated, _ = env.step(np.array([push], dtype=np.float32))
    assert obs[0] == pytest.approx(0.2 + moved, abs=1e-7)
    assert got == pytest.approx(reward, abs=1e-9)  # a push past the bounds counts as ±1
    assert not terminated and not truncated


def test_reaching_the_door_pays_the_goal_and_terminates():
    env = fresh(0.97)
    obs, reward, terminated, truncated, _ = env.step(np.array([1.0], dtype=np.float32))
    assert obs[0] == 1.0 and terminated and not truncated
    assert reward == pytest.approx(10.0 - 0.1)


def test_the_far_wall_stops_the_point_and_pays_nothing():
    env = fresh(-0.98)
    obs, reward, terminated, _, _ = env.step(np.array([-1.0], dtype=np.float32))
    assert obs[0] == -1.0 and not terminated and reward == pytest.approx(-0.1)


def test_pushing_through_returns_8_in_20_steps_and_doing_nothing_is_truncated_at_0():
    env = fresh(0.0)
    total, steps, terminated = 0.0, 0, False
    while not terminated:
        _, reward, terminated, truncated, _ = env.step(np.array([1.0], dtype=np.float32))
        total, steps = total + reward, steps + 1
        assert not truncated
    assert steps == 20 and total == pytest.approx(8.0)
    assert SOLVED_THRESHOLDS[corridor.ENV_ID] == 5.0  # between 0 and 8

    env = fresh(0.0)
    flags = [env.step(np.array([0.0], dtype=np.float32))[2:4] for _ in range(100)]
    assert flags[-1] == (False, True)  # the time limit is a truncation, not a terminal state
    assert all(flag == (False, False) for flag in flags[:-1])


def door_reached(actions_of_episode, episodes: int, seed: int) -> int:
    env = make_env(corridor.ENV_ID)
    reached = 0
    for episode in range(episodes):
        env.reset(seed=seed + episode)
        for action in actions_of_episode():
            if env.step(action)[2]:
                reached += 1
                break
    return reached


def test_uniformly_random_steps_do_not_find_the_door_and_correlated_noise_does():
    # the docstring's claim: a random walk of std 0.29 over 100 steps is 3.5 std from the door
    # (about 1 episode in 1,000 reaches it); OU noise of stationary std 0.5 with lag-1
    # autocorrelation 0.985 (chapter 06's set-up) pushes one way long enough in about a quarter
    # (70-79 of 300 episodes over three rng seeds)
    rng = np.random.default_rng(0)
    uniform = door_reached(lambda: rng.uniform(-1, 1, size=(100, 1)).astype(np.float32), 300, 0)

    def ou_episode():
        noise = make_noise("ou", 1, 0.5, rng=rng, theta=0.15, dt=0.1)
        noise.reset()
        return [np.clip(noise(), -1, 1).astype(np.float32) for _ in range(100)]

    ou = door_reached(ou_episode, 300, 0)
    assert uniform <= 3 and ou >= 45, (uniform, ou)


@pytest.mark.parametrize("action", [np.array([np.nan]), np.array([0.1, 0.2]), "left"])
def test_a_bad_action_says_what_an_action_is(action):
    env = fresh(0.0)
    with pytest.raises(ValueError, match=r"one finite number in \[-1, 1\]"):
        env.step(action)
    assert env.unwrapped.position == 0.0  # nothing moved


def test_asking_for_frames_says_there_is_nothing_to_draw():
    with pytest.raises(ValueError, match="nothing to draw"):
        corridor.CorridorEnv(render_mode="rgb_array")
