"""
EXPECT: wrong
MISTAKE: The loop now stops only on terminated, so it runs on past the time limit (for a policy that never fails, without end).
CHECK: check_collect_episode(collect_episode, reveal=False)
NOTE: may loop without end for a policy that never terminates
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def collect_episode(env, policy, buffer, seed):
    obs, _ = env.reset(seed=seed)
    episode_return = 0.0
    while True:
        action = policy(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated=terminated, truncated=truncated)
        episode_return += reward
        if terminated:  # only a real end stops the episode
            return episode_return
        obs = next_obs
