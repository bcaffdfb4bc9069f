"""
EXPECT: wrong
MISTAKE: Off by one in the wrap: position is reset only when it is greater than capacity, so the transition after the buffer fills is written at row capacity and raises an IndexError.
CHECK: check_replay_buffer(MyReplayBuffer)
"""
import numpy as np
import torch

from rlcourse.replay import Batch, ReplayBuffer


class MyReplayBuffer(ReplayBuffer):
    def add(self, obs, action, reward, next_obs, terminated, truncated):
        if self.position > self.capacity:
            self.position = 0
        self.obs[self.position] = obs
        self.action[self.position] = action
        self.reward[self.position] = reward
        self.next_obs[self.position] = next_obs
        self.terminated[self.position] = terminated
        self.truncated[self.position] = truncated
        self.position += 1
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        idx = self.rng.integers(0, self.size, size=batch_size)
        return Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.action[idx]),
                     torch.from_numpy(self.reward[idx]), torch.from_numpy(self.next_obs[idx]),
                     torch.from_numpy(self.terminated[idx]), torch.from_numpy(self.truncated[idx]))
