"""
EXPECT: wrong
MISTAKE: In the Batch the truncated array is passed in the terminated slot and vice versa (positional arguments in the wrong order).
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
        self.terminated[i] = terminated
        self.truncated[i] = truncated
        self.position = (self.position + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, size=batch_size)
        t = lambda array: torch.from_numpy(array[idx])
        return Batch(t(self.obs), t(self.action), t(self.reward), t(self.next_obs), t(self.truncated), t(self.terminated))
