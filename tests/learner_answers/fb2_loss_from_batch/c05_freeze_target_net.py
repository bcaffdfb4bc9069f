"""
EXPECT: correct
CHECK: check_loss_from_batch(loss_from_batch, reveal=False)
NOTE: freezes the target network's parameters (requires_grad False) as a side effect; common practice, the target is never optimised
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def loss_from_batch(q_network, target_q_network, batch, gamma):
    target_q_network.requires_grad_(False)  # the target network is never trained by this loss
    q_values = q_network(batch.obs)
    next_q_values = target_q_network(batch.next_obs)
    target = batch.reward + gamma * (1.0 - batch.terminated) * next_q_values.max(dim=1).values
    return dqn_loss(q_values, batch.action, target)
