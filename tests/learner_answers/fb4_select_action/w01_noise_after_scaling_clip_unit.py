"""
EXPECT: wrong
MISTAKE: The action is scaled first but still clipped to [−1, 1], so torques beyond ±1 are cut off again.
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
    return np.clip(action + noise_scale * rng.standard_normal(action.shape), -1.0, 1.0)
