"""Experience replay: a preallocated ring buffer of transitions (chapters 04 and 06).

Storing transitions and training on random mini-batches of old ones breaks the correlation
between consecutive updates, the first of DQN's two fixes. The buffer stores ``terminated``
and ``truncated`` apart: only ``terminated`` may stop a bootstrap, and a merged ``done`` would
lose exactly the distinction that matters (a CartPole run that hits its 500-step limit, or any
Pendulum episode, is truncated, not terminal).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch


class Batch(NamedTuple):
    """A mini-batch of transitions as tensors. ``B`` is the batch size."""

    obs: torch.Tensor          # (B, *obs_shape) float32
    action: torch.Tensor       # (B,) int64 for discrete actions, (B, action_dim) float32 for Box
    reward: torch.Tensor       # (B,) float32
    next_obs: torch.Tensor     # (B, *obs_shape) float32
    terminated: torch.Tensor   # (B,) float32, 1.0 where the episode really ended
    truncated: torch.Tensor    # (B,) float32, 1.0 where a time limit cut it (kept for teaching)


def check_batch_shape(name: str, tensor: torch.Tensor, batch_size: int) -> None:
    """Raise ``ValueError`` unless ``tensor`` has the shape ``(batch,)`` of a per-transition value.

    The losses call this on rewards, flags, targets and predictions: a ``(batch, 1)`` column
    against a ``(batch,)`` row broadcasts to ``(batch, batch)`` without any error.
    """
    if tensor.shape != (batch_size,):
        raise ValueError(
            f"{name} must have shape (batch,) = ({batch_size},), got {tuple(tensor.shape)}: a "
            "(batch, 1) column against a (batch,) row broadcasts to (batch, batch) and silently "
            "trains on the wrong targets; squeeze it (tensor.squeeze(1)) or index it first")


class ReplayBuffer:
    """A fixed-capacity ring buffer; when full, the oldest transitions are overwritten.

    Args:
        capacity: the most transitions it holds.
        obs_shape: shape of one observation, e.g. ``(4,)`` for CartPole.
        action_shape: ``()`` for a discrete action, ``(action_dim,)`` for a continuous one.
        action_dtype: ``np.int64`` for discrete actions, ``np.float32`` for continuous ones.
        seed: seeds the buffer's own generator, so sampling is reproducible.
        device: where sampled tensors are put.

    Example:
        >>> buffer = ReplayBuffer(100, obs_shape=(4,), seed=0)
        >>> buffer.add(np.zeros(4), 1, 1.0, np.ones(4), terminated=False, truncated=False)
        >>> buffer.sample(1).reward.shape
        torch.Size([1])
    """

    def __init__(self, capacity: int, obs_shape: tuple[int, ...], action_shape: tuple[int, ...] = (),
                 action_dtype: type = np.int64, *, seed: int | None = None,
                 device: str | torch.device = "cpu") -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self.capacity = capacity
        self.device = torch.device(device)
        self.obs = np.zeros((capacity, *obs_shape), dtype=np.float32)
        self.next_obs = np.zeros((capacity, *obs_shape), dtype=np.float32)
        self.action = np.zeros((capacity, *action_shape), dtype=action_dtype)
        self.reward = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.truncated = np.zeros(capacity, dtype=np.float32)
        self.position = 0  # where the next transition goes
        self.size = 0
        self.rng = np.random.default_rng(seed)

    def require_shapes(self, obs_shape: tuple[int, ...], action_shape: tuple[int, ...] = ()) -> None:
        """Raise ``ValueError`` unless this buffer stores observations and actions of these shapes."""
        have = (self.obs.shape[1:], self.action.shape[1:])
        if have != (tuple(obs_shape), tuple(action_shape)):
            raise ValueError(f"this replay buffer stores observations of shape {have[0]} and "
                             f"actions of shape {have[1]}, but the env has {tuple(obs_shape)} and "
                             f"{tuple(action_shape)}: build it as ReplayBuffer(capacity, "
                             f"{tuple(obs_shape)}, {tuple(action_shape)}, ...)")

    def add(self, obs, action, reward: float, next_obs, terminated: bool, truncated: bool) -> None:
        """Store one transition, overwriting the oldest once the buffer is full."""
        i = self.position
        self.obs[i] = obs
        self.action[i] = action
        self.reward[i] = reward
        self.next_obs[i] = next_obs
        self.terminated[i] = terminated
        self.truncated[i] = truncated
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample_indices(self, batch_size: int) -> np.ndarray:
        """Uniform indices (with replacement) into the filled part of the buffer."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer: add transitions first")
        return self.rng.integers(0, self.size, size=batch_size)

    def sample(self, batch_size: int) -> Batch:
        """A uniformly sampled mini-batch, as tensors on the buffer's device."""
        idx = self.sample_indices(batch_size)

        def tensor(array: np.ndarray) -> torch.Tensor:
            return torch.from_numpy(array[idx]).to(self.device)

        return Batch(tensor(self.obs), tensor(self.action), tensor(self.reward),
                     tensor(self.next_obs), tensor(self.terminated), tensor(self.truncated))

    def __len__(self) -> int:
        return self.size
