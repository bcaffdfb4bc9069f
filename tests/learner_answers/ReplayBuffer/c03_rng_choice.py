"""
EXPECT: correct
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
        # same law as rng.integers: uniform over the filled slots, with replacement
        idx = self.rng.choice(self.size, size=batch_size, replace=True)
        return Batch(obs=torch.as_tensor(self.obs[idx]), action=torch.as_tensor(self.action[idx]),
                     reward=torch.as_tensor(self.reward[idx]), next_obs=torch.as_tensor(self.next_obs[idx]),
                     terminated=torch.as_tensor(self.terminated[idx]),
                     truncated=torch.as_tensor(self.truncated[idx]))
