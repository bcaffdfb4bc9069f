"""
EXPECT: wrong
MISTAKE: Each field is indexed with its own fresh random indices, so the rows of a batch no longer belong together (obs of one transition with the reward of another).
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
        def pick(array):
            return torch.from_numpy(array[self.rng.integers(0, self.size, size=batch_size)])
        return Batch(pick(self.obs), pick(self.action), pick(self.reward), pick(self.next_obs),
                     pick(self.terminated), pick(self.truncated))
