"""
EXPECT: correct
CHECK: check_replay_buffer(MyReplayBuffer)
"""
import numpy as np
import torch

from rlcourse.replay import Batch, ReplayBuffer


class MyReplayBuffer(ReplayBuffer):
    def add(self, obs, action, reward, next_obs, terminated, truncated):
        row = self.position
        self.obs[row], self.next_obs[row] = np.asarray(obs, dtype=np.float32), np.asarray(next_obs, dtype=np.float32)
        self.action[row], self.reward[row] = action, reward
        self.terminated[row], self.truncated[row] = terminated, truncated
        self.position = (row + 1) % self.capacity
        if self.size < self.capacity:
            self.size += 1

    def sample(self, batch_size):
        idx = self.sample_indices(batch_size)  # the parent's helper: self.rng.integers(0, self.size, batch_size)
        fields = (self.obs, self.action, self.reward, self.next_obs, self.terminated, self.truncated)
        return Batch(*(torch.as_tensor(f[idx], device=self.device) for f in fields))
