"""
EXPECT: correct
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    target.load_state_dict(online.state_dict())
