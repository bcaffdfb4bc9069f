"""
EXPECT: wrong
MISTAKE: The target is copied after every step, so it is never held fixed for target_update_every steps.
CHECK: check_train_steps(train_steps, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
    for batch in batches:
        dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
        hard_update(target_q_network, q_network)
