"""
EXPECT: correct
CHECK: check_replay_buffer(MyReplayBuffer)
"""
import numpy as np
import torch

from rlcourse.replay import Batch, ReplayBuffer


class MyReplayBuffer(ReplayBuffer):
    def add(self, obs, action, reward, next_obs, terminated, truncated):
        self.obs[self.position] = obs
        self.action[self.position] = action
        self.reward[self.position] = reward
        self.next_obs[self.position] = next_obs
        self.terminated[self.position] = float(terminated)
        self.truncated[self.position] = float(truncated)
        self.position += 1
        if self.position == self.capacity:
            self.position = 0
        if self.size < self.capacity:
            self.size += 1

    def sample(self, batch_size):
        idx = self.rng.integers(self.size, size=batch_size)
        fields = [self.obs, self.action, self.reward, self.next_obs, self.terminated, self.truncated]
        return Batch(*[torch.from_numpy(field[idx]) for field in fields])
