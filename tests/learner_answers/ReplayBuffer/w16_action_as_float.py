"""
EXPECT: wrong
MISTAKE: Every field is converted to float32, so discrete actions come back as floats and gather() in the loss fails: keep each array's own dtype (int64 actions).
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
        as_tensor = lambda array: torch.tensor(array[idx], dtype=torch.float32)
        return Batch(as_tensor(self.obs), as_tensor(self.action), as_tensor(self.reward),
                     as_tensor(self.next_obs), as_tensor(self.terminated), as_tensor(self.truncated))
