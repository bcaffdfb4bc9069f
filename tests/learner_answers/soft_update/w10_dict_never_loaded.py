"""
EXPECT: wrong
MISTAKE: The blended state_dict is built but never loaded into the target (target.load_state_dict(new_state) is missing).
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    online_state = online.state_dict()
    new_state = {k: tau * online_state[k] + (1 - tau) * v for k, v in target.state_dict().items()}
