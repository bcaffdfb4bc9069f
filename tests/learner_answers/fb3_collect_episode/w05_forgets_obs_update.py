"""
EXPECT: wrong
MISTAKE: While rewriting the loop the line obs = next_obs got lost, so every stored transition starts from the first observation and the policy always sees it.
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
    terminated = truncated = False
    while not (terminated or truncated):
        action = policy(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated=terminated, truncated=truncated)
        episode_return += reward
    return episode_return
