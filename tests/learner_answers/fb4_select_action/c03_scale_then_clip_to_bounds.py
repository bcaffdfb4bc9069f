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
    low, high = np.asarray(low), np.asarray(high)
    with torch.no_grad():
        raw_action = actor_net(torch.as_tensor(obs)).numpy()
    half_width = (high - low) / 2
    action = scale_action(raw_action, low, high) + half_width * noise_scale * rng.standard_normal(raw_action.shape)
    return np.clip(action, low, high)  # the same as clipping in [-1, 1] and then scaling
