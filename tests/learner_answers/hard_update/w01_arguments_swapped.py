"""
EXPECT: wrong
MISTAKE: The direction is swapped: it copies the target into the online network, so the online network loses what it learned.
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    online.load_state_dict(target.state_dict())
