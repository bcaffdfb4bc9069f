"""
EXPECT: wrong
MISTAKE: terminated is always stored as False, so real terminal states (the pole falling) now bootstrap too.
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
    episode_return = 0.0
    while True:
        action = policy(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated=False, truncated=truncated)
        episode_return += reward
        if terminated or truncated:
            return episode_return
        obs = next_obs
