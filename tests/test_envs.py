"""Tests of rlcourse.envs: seeding, clear errors, the rollout step cap, held-out evaluation."""

import random

import gymnasium as gym
import numpy as np
import pytest
import torch

from rlcourse.envs import (HELDOUT_SEED, EvalResult, UnknownEnvError, evaluate, extend_evaluation,
                           make_env, open_env, random_policy, require_action_space, rollout,
                           seed_everything, torch_cpu_settings)


def test_seed_everything_reproduces_every_generator_and_another_seed_changes_each():
    draws = []
    for seed in (7, 7, 8):
        rng = seed_everything(seed)
        draws.append((random.random(), np.random.rand(), torch.rand(1).item(), rng.random()))
    assert draws[0] == draws[1]
    assert all(a != b for a, b in zip(draws[0], draws[2]))  # each of the four generators
    assert seed_everything(np.int64(7)).random() == draws[0][3]  # numpy ints are seeds too


@pytest.mark.parametrize("seed", [-1, 1.5, "3"])
def test_seed_everything_rejects_what_is_not_a_non_negative_int(seed):
    with pytest.raises(ValueError, match=f"^seed must be a non-negative integer, got {seed!r}$"):
        seed_everything(seed)


def _denormal_product() -> float:
    # 1e-30 * 1e-10 = 1e-40 lies below float32's smallest normal number (1.2e-38)
    return (torch.tensor([1e-30]) * torch.tensor([1e-10])).item()


def test_torch_cpu_settings_flushes_denormals_and_restores_threads_and_flag():
    threads = torch.get_num_threads()
    assert _denormal_product() > 0  # torch's default: denormals kept
    other = 1 if threads != 1 else 2
    with torch_cpu_settings(other):
        assert torch.get_num_threads() == other
        flushed = _denormal_product()
    assert torch.get_num_threads() == threads
    assert _denormal_product() > 0, "the flush-to-zero flag leaked out of the training context"
    if not torch.set_flush_denormal(False):  # a CPU without the flag: nothing was flushed
        pytest.skip("this CPU cannot flush denormals")
    assert flushed == 0.0


def test_torch_cpu_settings_restores_even_when_training_raises():
    threads = torch.get_num_threads()
    with pytest.raises(KeyboardInterrupt):
        with torch_cpu_settings(1 if threads != 1 else 2):
            raise KeyboardInterrupt
    assert torch.get_num_threads() == threads
    assert _denormal_product() > 0


def test_make_env_seed_makes_resets_and_action_samples_reproducible():
    samples = []
    for seed in (3, 3, 4):
        env = make_env("CartPole-v1", seed=seed)
        samples.append(([int(env.action_space.sample()) for _ in range(20)], env.reset()[0].tolist()))
        env.close()
    assert samples[0] == samples[1]
    assert samples[0][0] != samples[2][0] and samples[0][1] != samples[2][1]
    # keyword arguments reach gymnasium.make: without slipping, each move has one outcome
    assert len(make_env("FrozenLake-v1", is_slippery=False).unwrapped.P[0][2]) == 1


def test_unknown_env_id_names_it_and_suggests_the_close_one():
    with pytest.raises(UnknownEnvError) as info:
        make_env("CartPol-v1")
    assert "'CartPol-v1'" in str(info.value)
    assert "'CartPole-v1'" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_rollout_step_cap_stops_a_policy_that_never_ends():
    env = make_env("CliffWalking-v1")  # no time limit; walking into the left wall never ends
    assert env.spec.max_episode_steps is None
    episode = rollout(env, lambda obs: 3, seed=0, max_steps=50)  # action 3 = left
    assert episode.capped and not episode.terminated and not episode.truncated
    assert episode.length == 50
    assert episode.episode_return == -50.0  # -1 per step


def test_rollout_reports_truncation_by_the_time_limit():
    env = make_env("CartPole-v1")
    episode = rollout(env, lambda obs: int(obs[2] + 0.5 * obs[3] > 0), seed=0)
    assert episode.truncated and not episode.terminated and not episode.capped
    assert episode.length == 500


def test_evaluate_uses_held_out_seeds_and_summarises_returns():
    env = make_env("FrozenLake-v1")
    seeds = []
    original_reset = env.reset

    def recording_reset(*, seed=None, options=None):
        seeds.append(seed)
        return original_reset(seed=seed, options=options)

    env.reset = recording_reset
    result = evaluate(env, lambda obs: 2, episodes=5)
    assert seeds == [HELDOUT_SEED + i for i in range(5)]
    assert len(result.returns) == 5


def test_an_eval_result_summarises_its_returns():
    # returns 1, 2, 6: mean 3, population std √((4 + 1 + 9) / 3) = √(14/3)
    result = EvalResult([1.0, 2.0, 6.0])
    assert result.mean_return == 3.0
    assert result.std_return == pytest.approx((14 / 3) ** 0.5)
    assert result.to_dict() == {"episodes": 3, "returns": [1.0, 2.0, 6.0], "mean_return": 3.0,
                                "std_return": result.std_return}


def test_evaluate_returns_the_rollouts_of_its_seeds():
    def policy(obs):  # pushes towards the lean: returns differ from seed to seed
        return int(obs[2] > 0)

    env = make_env("CartPole-v1")
    expected = [rollout(env, policy, seed=HELDOUT_SEED + i).episode_return for i in range(4)]
    assert evaluate("CartPole-v1", policy, episodes=4).returns == expected
    assert len(set(expected)) > 1
    capped = evaluate(make_env("CliffWalking-v1"), lambda obs: 3, episodes=2, max_steps=7)
    assert capped.returns == [-7.0, -7.0]  # the step cap reaches the rollouts


def test_evaluate_is_deterministic_by_seed_and_accepts_an_id():
    def policy(obs):  # pushes towards the lean: returns differ from seed to seed
        return int(obs[2] > 0)

    first = evaluate("CartPole-v1", policy, episodes=3, seed=10)
    second = evaluate("CartPole-v1", policy, episodes=3, seed=10)
    assert first.returns == second.returns
    # another seed, other episodes (10-12 and 20-22 do not overlap): 51, 43, 49 against 25, 36, 25
    assert evaluate("CartPole-v1", policy, episodes=3, seed=20).returns != first.returns
    with pytest.raises(ValueError, match="episodes"):
        evaluate("CartPole-v1", lambda obs: 0, episodes=0)


def test_an_extended_evaluation_equals_evaluating_all_its_episodes():
    def policy(obs):  # pushes towards the lean: returns differ from seed to seed
        return int(obs[2] > 0)

    first = evaluate("CartPole-v1", policy, episodes=2, seed=10)
    extended = extend_evaluation("CartPole-v1", policy, first, episodes=6, seed=10)
    whole = evaluate("CartPole-v1", policy, episodes=6, seed=10)
    assert extended.returns == whole.returns and len(set(whole.returns)) > 1
    assert extend_evaluation("CartPole-v1", policy, first, episodes=2, seed=10) is first


def test_random_policy_draws_from_the_seeded_action_space():
    draws = []
    for seed in (0, 0, 1):
        env = make_env("Pendulum-v1", seed=seed)
        policy = random_policy(env)
        draws.append([policy(None) for _ in range(5)])
    assert all(env.action_space.contains(action) for action in draws[0])
    assert np.array_equal(draws[0], draws[1])  # seeded: the same draws
    assert not np.array_equal(draws[0], draws[2])
    assert len({float(a[0]) for a in draws[0]}) == 5  # a new draw each call


def test_require_action_space_messages():
    env = make_env("Pendulum-v1")
    with pytest.raises(ValueError) as info:
        require_action_space(env, gym.spaces.Discrete, "dqn", "ddpg")
    message = str(info.value)
    assert "dqn needs a Discrete action space" in message
    assert "Pendulum-v1 has Box" in message
    assert "Use ddpg" in message
    require_action_space(env, gym.spaces.Box, "ddpg", "dqn")  # no error


def test_open_env_closes_only_the_env_it_made():
    closed = []
    passed = make_env("CartPole-v1")
    passed.close = lambda: closed.append("passed")  # record the call, the env stays real
    with open_env(passed) as env:
        assert env is passed
    assert closed == []  # the caller's env stays open
    with open_env("CartPole-v1") as env:
        env.close = lambda: closed.append("made")
        assert env.spec.id == "CartPole-v1"
    assert closed == ["made"]


def test_seed_zero_is_a_seed():
    # 0 is the first training seed of every run: it must be accepted and seed the generators
    rng = seed_everything(0)
    assert rng.random() == np.random.default_rng(0).random()
    assert random.random() == random.Random(0).random()


def test_unknown_env_messages_in_full():
    # "Pendulum" is close to three ids at difflib's cutoff 0.5 (a fourth would follow with n=4,
    # and only two reach the default cutoff 0.6)
    with pytest.raises(UnknownEnvError) as info:
        make_env("Pendulum")
    assert str(info.value) == ("Unknown environment id 'Pendulum'. Did you mean 'Pendulum-v1', "
                               "'phys2d/Pendulum-v0', 'InvertedPendulum-v5'? "
                               "gymnasium.pprint_registry() lists every id.")
    with pytest.raises(UnknownEnvError) as info:
        make_env("Zzzzzzzz")
    assert str(info.value) == ("Unknown environment id 'Zzzzzzzz'. gymnasium.pprint_registry() "
                               "lists every id.")


def test_make_env_passes_render_mode_on():
    env = make_env("CartPole-v1", seed=0, render_mode="rgb_array")
    assert env.render_mode == "rgb_array"
    assert env.render().shape == (400, 600, 3)
    env.close()
    assert make_env("CartPole-v1").render_mode is None


def test_require_action_space_message_in_full_and_for_an_env_without_a_spec():
    from gymnasium.envs.classic_control import PendulumEnv

    with pytest.raises(ValueError) as info:
        require_action_space(make_env("Pendulum-v1"), gym.spaces.Discrete, "dqn", "ddpg")
    assert str(info.value) == ("dqn needs a Discrete action space, but Pendulum-v1 has Box "
                               "(Box(-2.0, 2.0, (1,), float32)). Use ddpg for this environment.")
    bare = PendulumEnv()  # made without gymnasium.make: no spec, the class names it
    assert bare.spec is None
    with pytest.raises(ValueError, match="but PendulumEnv has Box"):
        require_action_space(bare, gym.spaces.Discrete, "dqn", "ddpg")


def test_rollout_episodes_record_how_they_ended_as_bools():
    from rlcourse.envs import Episode

    env = make_env("CartPole-v1")
    # always pushing left: the pole falls (terminated) within a few dozen steps
    fallen = rollout(env, lambda obs: 0, seed=0)
    assert fallen == Episode(float(fallen.length), fallen.length, True, False, capped=False)
    assert fallen.length < 500
    capped = rollout(make_env("CliffWalking-v1"), lambda obs: 3, seed=0, max_steps=5)
    assert capped == Episode(-5.0, 5, False, False, capped=True)
    cut = rollout(env, lambda obs: int(obs[2] + 0.5 * obs[3] > 0), seed=0)
    assert cut == Episode(500.0, 500, False, True, capped=False)


def test_evaluate_default_episodes_one_episode_and_its_error_message():
    lake = make_env("FrozenLake-v1", is_slippery=False)
    assert len(evaluate(lake, lambda obs: 1).returns) == 20  # down, into a hole: short episodes
    assert evaluate(lake, lambda obs: 1, episodes=1).returns == [0.0]
    with pytest.raises(ValueError) as info:
        evaluate(lake, lambda obs: 1, episodes=0)
    assert str(info.value) == "episodes must be at least 1, got 0"


def test_extend_evaluation_by_a_single_episode():
    def policy(obs):  # pushes towards the lean: returns differ from seed to seed
        return int(obs[2] > 0)

    first = evaluate("CartPole-v1", policy, episodes=2, seed=10)
    extended = extend_evaluation("CartPole-v1", policy, first, episodes=3, seed=10)
    assert extended.returns == evaluate("CartPole-v1", policy, episodes=3, seed=10).returns
