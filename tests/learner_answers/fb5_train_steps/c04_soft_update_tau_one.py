"""
EXPECT: correct
CHECK: check_train_steps(train_steps, reveal=False)
"""
import numpy as np
import torch

from rlcourse.dqn import dqn_update
from rlcourse.networks import soft_update


def train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
    for step, batch in enumerate(batches, start=1):
        dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
        if step % target_update_every == 0:
            soft_update(target_q_network, q_network, tau=1.0)  # tau = 1 is a hard copy
