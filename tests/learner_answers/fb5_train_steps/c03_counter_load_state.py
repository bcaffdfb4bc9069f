"""
EXPECT: correct
CHECK: check_train_steps(train_steps, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
    steps_since_update = 0
    for batch in batches:
        dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
        steps_since_update += 1
        if steps_since_update == target_update_every:
            target_q_network.load_state_dict(q_network.state_dict())
            steps_since_update = 0
