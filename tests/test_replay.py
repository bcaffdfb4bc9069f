"""Tests of rlcourse.replay.ReplayBuffer."""

import numpy as np
import pytest
import torch

from rlcourse.replay import ReplayBuffer


def fill(buffer, n):
    for i in range(n):
        buffer.add(np.full(2, i), i % 2, float(i), np.full(2, i + 1), terminated=False, truncated=False)


def test_wrap_around_overwrites_the_oldest():
    buffer = ReplayBuffer(3, obs_shape=(2,), seed=0)
    fill(buffer, 5)  # 0..4; 0 and 1 overwritten by 3 and 4
    assert len(buffer) == 3
    assert sorted(buffer.reward.tolist()) == [2.0, 3.0, 4.0]
    assert buffer.reward.tolist() == [3.0, 4.0, 2.0]
    assert buffer.position == 2


def test_sample_discrete_shapes_and_dtypes():
    buffer = ReplayBuffer(10, obs_shape=(4,), seed=0)
    for i in range(10):
        buffer.add(np.ones(4), 1, 1.0, np.ones(4), terminated=False, truncated=False)
    batch = buffer.sample(8)
    assert batch.obs.shape == (8, 4) and batch.obs.dtype == torch.float32
    assert batch.next_obs.shape == (8, 4) and batch.next_obs.dtype == torch.float32
    assert batch.action.shape == (8,) and batch.action.dtype == torch.int64
    for name in ("reward", "terminated", "truncated"):
        tensor = getattr(batch, name)
        assert tensor.shape == (8,) and tensor.dtype == torch.float32


def test_sample_continuous_shapes_and_dtypes():
    buffer = ReplayBuffer(10, obs_shape=(3,), action_shape=(1,), action_dtype=np.float32, seed=0)
    buffer.add(np.ones(3), np.array([0.5]), -1.0, np.ones(3), terminated=False, truncated=True)
    batch = buffer.sample(5)
    assert batch.action.shape == (5, 1) and batch.action.dtype == torch.float32
    assert torch.all(batch.action == 0.5)


def test_terminated_and_truncated_kept_apart():
    buffer = ReplayBuffer(2, obs_shape=(1,), seed=0)
    buffer.add([0.0], 0, 0.0, [1.0], terminated=True, truncated=False)
    buffer.add([1.0], 0, 1.0, [2.0], terminated=False, truncated=True)
    batch = buffer.sample(50)
    ended = batch.reward == 0.0
    assert torch.all(batch.terminated[ended] == 1.0) and torch.all(batch.truncated[ended] == 0.0)
    assert torch.all(batch.terminated[~ended] == 0.0) and torch.all(batch.truncated[~ended] == 1.0)
    assert ended.any() and (~ended).any()


def test_same_seed_same_samples():
    batches = []
    for _ in range(2):
        buffer = ReplayBuffer(100, obs_shape=(2,), seed=42)
        fill(buffer, 100)
        batches.append(buffer.sample(32))
    for a, b in zip(*batches):
        assert torch.equal(a, b)
    other = ReplayBuffer(100, obs_shape=(2,), seed=43)
    fill(other, 100)
    assert not torch.equal(other.sample(32).reward, batches[0].reward)


def test_samples_only_the_filled_part():
    buffer = ReplayBuffer(100, obs_shape=(2,), seed=0)
    fill(buffer, 3)
    assert set(buffer.sample(200).reward.tolist()) == {0.0, 1.0, 2.0}


def test_empty_buffer_error_and_bad_capacity():
    buffer = ReplayBuffer(10, obs_shape=(2,))
    with pytest.raises(ValueError, match="empty replay buffer"):
        buffer.sample(1)
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(0, obs_shape=(2,))


def test_require_shapes_names_what_the_buffer_stores_and_what_the_env_has():
    buffer = ReplayBuffer(10, obs_shape=(3,), action_shape=(1,), action_dtype=np.float32)
    buffer.require_shapes((3,), (1,))  # fits: nothing raised
    with pytest.raises(ValueError, match=r"observations of shape \(3,\).*env has \(4,\)"):
        buffer.require_shapes((4,), (1,))
    with pytest.raises(ValueError, match=r"actions of shape \(1,\).*\(3,\) and \(2,\)"):
        buffer.require_shapes((3,), (2,))
