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
    fill4(buffer, 10)
    batch = buffer.sample(8)
    assert batch.obs.shape == (8, 4) and batch.obs.dtype == torch.float32
    assert batch.next_obs.shape == (8, 4) and batch.next_obs.dtype == torch.float32
    assert batch.action.shape == (8,) and batch.action.dtype == torch.int64
    for name in ("reward", "terminated", "truncated"):
        tensor = getattr(batch, name)
        assert tensor.shape == (8,) and tensor.dtype == torch.float32


def fill4(buffer, n):
    # transition i: obs (i, i, i, i), action i % 3, reward 10 i, next_obs i + 0.5, terminated when
    # i % 3 == 1, truncated when i % 3 == 2: every field tells which transition it came from
    for i in range(n):
        buffer.add(np.full(4, i), i % 3, 10.0 * i, np.full(4, i + 0.5), terminated=i % 3 == 1,
                   truncated=i % 3 == 2)


def test_a_sampled_row_holds_one_transition_in_every_field():
    buffer = ReplayBuffer(20, obs_shape=(4,), seed=0)
    fill4(buffer, 12)
    batch = buffer.sample(200)
    i = batch.obs[:, 0]  # which transition each row is
    assert set(i.tolist()) == set(range(12))  # every stored transition is drawn, nothing else
    assert torch.equal(batch.obs, i[:, None].expand(-1, 4))
    assert torch.equal(batch.next_obs, batch.obs + 0.5)
    assert torch.equal(batch.action, i.long() % 3)
    assert torch.equal(batch.reward, 10 * i)
    assert torch.equal(batch.terminated, (i.long() % 3 == 1).float())
    assert torch.equal(batch.truncated, (i.long() % 3 == 2).float())


def test_sample_indices_are_uniform_over_the_filled_part():
    # 6 filled of 50: 6000 draws, each index Binomial(6000, 1/6): mean 1000, σ = 28.9; 3σ = 87
    buffer = ReplayBuffer(50, obs_shape=(1,), seed=0)
    for i in range(6):
        buffer.add([i], 0, 0.0, [i], terminated=False, truncated=False)
    counts = np.bincount(buffer.sample_indices(6000), minlength=50)
    assert counts[6:].sum() == 0
    assert np.all(np.abs(counts[:6] - 1000) <= 87), counts


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
    with pytest.raises(ValueError, match="^cannot sample from an empty replay buffer: add transitions first$"):
        buffer.sample(1)
    with pytest.raises(ValueError, match="^capacity must be at least 1, got 0$"):
        ReplayBuffer(0, obs_shape=(2,))


def test_require_shapes_names_what_the_buffer_stores_and_what_the_env_has():
    buffer = ReplayBuffer(10, obs_shape=(3,), action_shape=(1,), action_dtype=np.float32)
    buffer.require_shapes((3,), (1,))  # fits: nothing raised
    with pytest.raises(ValueError, match=r"observations of shape \(3,\).*env has \(4,\)"):
        buffer.require_shapes((4,), (1,))
    with pytest.raises(ValueError, match=r"actions of shape \(1,\).*\(3,\) and \(2,\)"):
        buffer.require_shapes((3,), (2,))


def test_a_buffer_of_one_holds_the_latest_transition():
    # the "no replay" ablation of chapter 04 trains on such a buffer
    buffer = ReplayBuffer(1, obs_shape=(2,), seed=0)
    fill(buffer, 3)
    assert len(buffer) == 1 and buffer.sample(4).reward.tolist() == [2.0] * 4


def test_sampled_tensors_are_put_on_the_buffers_device():
    # "meta" is a device every torch build has (shapes without data), so the move is seen on a
    # machine without a GPU too
    buffer = ReplayBuffer(4, obs_shape=(2,), seed=0, device="meta")
    fill(buffer, 4)
    assert buffer.device == torch.device("meta")
    assert {tensor.device.type for tensor in buffer.sample(3)} == {"meta"}
    assert ReplayBuffer(4, obs_shape=(2,)).device == torch.device("cpu")
