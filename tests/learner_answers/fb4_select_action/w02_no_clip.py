"""
EXPECT: wrong
MISTAKE: The clip was dropped while fixing the scaling, so noisy actions go beyond the env's bounds.
CHECK: check_select_action(select_action, reveal=False)
"""
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.ddpg import scale_action
from rlcourse.dqn import dqn_loss, dqn_update
from rlcourse.networks import hard_update


def select_action(actor_net, obs, low, high, noise_scale, rng):
    with torch.no_grad():
        raw_action = actor_net(torch.as_tensor(obs)).numpy()
    return scale_action(raw_action + noise_scale * rng.standard_normal(raw_action.shape), low, high)
