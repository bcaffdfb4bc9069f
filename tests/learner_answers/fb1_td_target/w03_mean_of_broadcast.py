"""
EXPECT: wrong
MISTAKE: Averaging the (batch, batch) matrix mixes every transition's reward and mask with every other's next value; the fix is to avoid the broadcast.
CHECK: check_td_target(td_target, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def td_target(reward, next_q_values, terminated, gamma):
    next_value = next_q_values.max(dim=1, keepdim=True).values
    return (reward + gamma * (1.0 - terminated) * next_value).mean(dim=1)
