"""
EXPECT: wrong
MISTAKE: squeeze(0) removes the batch axis only when the batch has one row; next_value stays (batch, 1) and the target still broadcasts to (batch, batch).
CHECK: check_td_target(td_target, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def td_target(reward, next_q_values, terminated, gamma):
    next_value = next_q_values.max(dim=1, keepdim=True).values.squeeze(0)
    return reward + gamma * (1.0 - terminated) * next_value
