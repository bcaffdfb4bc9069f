"""
EXPECT: correct
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    online_state = online.state_dict()
    mixed = {name: tau * online_state[name] + (1 - tau) * value for name, value in target.state_dict().items()}
    target.load_state_dict(mixed)
