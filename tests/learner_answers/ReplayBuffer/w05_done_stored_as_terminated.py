"""
EXPECT: wrong
MISTAKE: terminated is stored as terminated or truncated, so a time limit becomes a terminal state and stops the bootstrap.
CHECK: check_replay_buffer(MyReplayBuffer)
"""
import numpy as np
import torch

from rlcourse.replay import Batch, ReplayBuffer


class MyReplayBuffer(ReplayBuffer):
    def add(self, obs, action, reward, next_obs, terminated, truncated):
        i = self.position
        self.obs[i] = obs
        self.action[i] = action
        self.reward[i] = reward
        self.next_obs[i] = next_obs
        self.terminated[i] = terminated or truncated  # the episode is over either way
        self.truncated[i] = truncated
        self.position = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, size=batch_size)
        return Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.action[idx]),
                     torch.from_numpy(self.reward[idx]), torch.from_numpy(self.next_obs[idx]),
                     torch.from_numpy(self.terminated[idx]), torch.from_numpy(self.truncated[idx]))
