"""
EXPECT: wrong
MISTAKE: next_q_values.detach() returns a new tensor that is thrown away; the target still carries gradients into the target network.
CHECK: check_loss_from_batch(loss_from_batch, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def loss_from_batch(q_network, target_q_network, batch, gamma):
    q_values = q_network(batch.obs)
    next_q_values = target_q_network(batch.next_obs)
    next_q_values.detach()  # no gradient into the target network
    target = batch.reward + gamma * (1.0 - batch.terminated) * next_q_values.max(dim=1).values
    return dqn_loss(q_values, batch.action, target)
