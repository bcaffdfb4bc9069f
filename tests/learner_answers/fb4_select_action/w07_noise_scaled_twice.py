"""
EXPECT: wrong
MISTAKE: The noise is stretched by the full width high − low instead of the half width, so exploration is twice as strong as asked.
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
    action = scale_action(raw_action, low, high)
    noise = noise_scale * (np.asarray(high) - np.asarray(low)) * rng.standard_normal(action.shape)
    return np.clip(action + noise, low, high)
