"""
EXPECT: correct
CHECK: check_collect_episode(collect_episode, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def collect_episode(env, policy, buffer, seed):
    obs, _ = env.reset(seed=seed)
    episode_return, done = 0.0, False
    while not done:
        action = policy(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated, truncated)
        episode_return += float(reward)
        done = terminated or truncated
        obs = next_obs
    return episode_return
