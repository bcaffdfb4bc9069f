"""
EXPECT: correct
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
    noise = rng.normal(0.0, noise_scale, size=raw_action.shape)
    raw_action = np.clip(raw_action + noise, -1.0, 1.0)
    return low + (raw_action + 1.0) * (np.asarray(high) - np.asarray(low)) / 2.0
