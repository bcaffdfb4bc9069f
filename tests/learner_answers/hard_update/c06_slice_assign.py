"""
EXPECT: correct
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t[...] = o
