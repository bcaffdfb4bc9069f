"""
EXPECT: wrong
MISTAKE: target_q_network = q_network only rebinds the local name: the caller's target network never changes, and later updates use the online network as its own target.
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
        dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
        if step % target_update_every == 0:
            target_q_network = q_network  # the target follows the online network
