"""
EXPECT: wrong
MISTAKE: Multiplying by high scales correctly only for symmetric bounds; an env with bounds like [0, 4] gets actions in [−4, 4].
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
    raw_action = np.clip(raw_action + noise_scale * rng.standard_normal(raw_action.shape), -1.0, 1.0)
    return raw_action * high
