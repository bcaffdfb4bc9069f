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
        # another draw of the same law: floor of a uniform on [0, size)
        idx = np.floor(self.rng.random(batch_size) * self.size).astype(np.int64)
        return Batch(torch.from_numpy(self.obs[idx]), torch.from_numpy(self.action[idx]),
                     torch.from_numpy(self.reward[idx]), torch.from_numpy(self.next_obs[idx]),
                     torch.from_numpy(self.terminated[idx]), torch.from_numpy(self.truncated[idx]))
