"""
EXPECT: correct
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    target.load_state_dict(copy.deepcopy(online.state_dict()))
    return None
