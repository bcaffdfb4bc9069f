"""
EXPECT: wrong
MISTAKE: The target is made under torch.inference_mode(): an inference tensor cannot be saved for backward, so loss.backward() raises; use torch.no_grad().
CHECK: check_loss_from_batch(loss_from_batch, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.dqn import dqn_loss


def loss_from_batch(q_network, target_q_network, batch, gamma):
    q_values = q_network(batch.obs)  # (batch, n_actions)
    with torch.inference_mode():  # the fast way to turn off autograd
        next_q_values = target_q_network(batch.next_obs)
        target = batch.reward + gamma * (1.0 - batch.terminated) * next_q_values.max(dim=1).values
    return dqn_loss(q_values, batch.action, target)
