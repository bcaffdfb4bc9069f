"""Tests of rlcourse.overestimation: the chain's rewards have mean 0 and its episodes end where
they should, so its true Q-values are 0; DQN trains on it through the registered id."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest

import rlcourse.overestimation as over
from rlcourse import dqn
from rlcourse.envs import make_env


def test_an_episode_walks_the_chain_and_terminates_after_the_last_state():
    env = make_env(over.ENV_ID, n_states=4, n_actions=3)
    obs, _ = env.reset(seed=0)
    positions = [int(obs.argmax())]
    for step in range(4):
        obs, reward, terminated, truncated, _ = env.step(step % 3)
        assert obs.shape == (4,) and obs.dtype == np.float32 and obs.sum() == 1.0
        assert terminated == (step == 3) and not truncated
        positions.append(int(obs.argmax()))
    assert positions == [0, 1, 2, 3, 3]  # the terminal observation repeats the last state


def test_every_action_pays_rewards_of_mean_zero_and_the_given_spread():
    # 4000 rewards per action: the standard error of a mean is 1/sqrt(4000) ≈ 0.016
    env = make_env(over.ENV_ID, n_states=1, n_actions=3, reward_std=1.0)
    env.reset(seed=1)
    rewards = {action: [] for action in range(3)}
    for i in range(12_000):
        action = i % 3
        _, reward, terminated, _, _ = env.step(action)
        rewards[action].append(reward)
        assert terminated  # one state: every step ends the episode
        env.reset()
    for values in rewards.values():
        assert abs(np.mean(values)) < 0.06 and abs(np.std(values) - 1.0) < 0.05


def test_the_same_seed_gives_the_same_rewards_and_zero_spread_gives_zero():
    def rewards(seed, **kwargs):
        env = make_env(over.ENV_ID, **kwargs)
        env.reset(seed=seed)
        return [env.step(0)[1] for _ in range(5)]
    assert rewards(3) == rewards(3) != rewards(4)
    assert rewards(3, reward_std=0.0) == [0.0] * 5


@pytest.mark.parametrize("kwargs, message", [
    ({"n_states": 0}, "n_states must be a positive int"),
    ({"n_actions": 1}, "n_actions must be an int >= 2"),
    ({"reward_std": -1.0}, "reward_std must be >= 0"),
    ({"render_mode": "rgb_array"}, "nothing to draw"),
])
@pytest.mark.filterwarnings("ignore:.*render_mode")
def test_bad_arguments_say_what_was_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gym.make(over.ENV_ID, **kwargs)


def test_an_action_outside_the_space_is_refused():
    env = make_env(over.ENV_ID, n_actions=3)
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"action must be an int in \[0, 3\)"):
        env.step(3)


def test_q_table_asks_the_agent_for_every_state():
    class Agent:  # Q(s, a) = 10 * position + a, to read the order back
        def q_values(self, obs):
            return 10.0 * obs.argmax() + np.arange(4.0)

    table = over.q_table(Agent(), n_states=3, n_actions=4)
    assert np.array_equal(table, 10.0 * np.arange(3)[:, None] + np.arange(4.0))


def test_dqn_trains_on_the_chain_with_a_noiseless_reward_to_the_true_zero():
    # reward_std = 0: every target is exactly 0, so the learned values must fall towards it
    config = dqn.DQNConfig(steps=600, hidden=(16,), learning_starts=100, target_update_every=50,
                           epsilon_start=1.0, epsilon_end=1.0, eval_every=0, lr=1e-2, lr_end=1e-2)
    kwargs = {"n_states": 3, "n_actions": 4, "reward_std": 0.0}
    untrained = dqn.train(over.ENV_ID, dataclasses.replace(config, learning_starts=601), seed=0,
                          env_kwargs=kwargs)
    run = dqn.train(over.ENV_ID, config, seed=0, env_kwargs=kwargs)
    before = np.abs(over.q_table(untrained.agent, **kwargs)).max()
    after = np.abs(over.q_table(run.agent, **kwargs)).max()
    assert after < 0.02 < before


def test_a_sweep_worker_can_make_the_chain_without_importing_this_module(tmp_path):
    # a notebook imports rlcourse.overestimation and sweeps on its env; the worker processes
    # imported nothing of the notebook, so the env must be registered by the package itself
    from rlcourse.sweep import train_seeds

    sweep = train_seeds("dqn", over.ENV_ID, [0], out=tmp_path / "chain", steps=300, workers=1,
                        overrides={"learning_starts": 100, "eval_every": 0, "hidden": (16,)},
                        progress=False)
    assert [run.status for run in sweep.runs] == ["finished"], [run.error for run in sweep.runs]
