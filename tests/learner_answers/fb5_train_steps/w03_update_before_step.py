"""
EXPECT: wrong
MISTAKE: The target copy now happens before the gradient step, so it copies a network one update old.
CHECK: check_train_steps(train_steps, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
    for step, batch in enumerate(batches, start=1):
        if step % target_update_every == 0:
            hard_update(target_q_network, q_network)
        dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
