"""
EXPECT: wrong
MISTAKE: target = online only rebinds the local name (the caller's target is untouched) and would share the online network if it were used.
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    target = online
    return target
