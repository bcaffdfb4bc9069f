"""
EXPECT: wrong
MISTAKE: target = copy.deepcopy(online) only rebinds the local name; the caller's target network is unchanged.
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    target = copy.deepcopy(online)
