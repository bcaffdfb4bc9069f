"""
EXPECT: wrong
MISTAKE: enumerate now starts at 0, so the target is updated after the 1st, 3rd, 5th… step instead of after every target_update_every-th.
CHECK: check_train_steps(train_steps, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
    for step, batch in enumerate(batches):
        dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
        if step % target_update_every == 0:
            hard_update(target_q_network, q_network)
