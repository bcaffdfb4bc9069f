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
        for field, value in (("obs", obs), ("action", action), ("reward", reward), ("next_obs", next_obs),
                             ("terminated", terminated), ("truncated", truncated)):
            getattr(self, field)[row] = value
        self.position = (row + 1) % self.capacity
        self.size = max(self.size, row + 1)

    def sample(self, batch_size):
        idx = self.rng.integers(low=0, high=self.size, size=batch_size)
        filled = slice(0, self.size)
        return Batch(torch.tensor(self.obs[filled][idx]), torch.tensor(self.action[filled][idx]),
                     torch.tensor(self.reward[filled][idx]), torch.tensor(self.next_obs[filled][idx]),
                     torch.tensor(self.terminated[filled][idx]), torch.tensor(self.truncated[filled][idx]))
