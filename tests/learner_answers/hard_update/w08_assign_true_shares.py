"""
EXPECT: wrong
MISTAKE: load_state_dict(..., assign=True) puts the online network's own tensors into the target, so both share storage and the target is not an independent copy.
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    target.load_state_dict(online.state_dict(), assign=True)
