"""
EXPECT: wrong
MISTAKE: In-place copy_ into a parameter that requires grad raises a RuntimeError outside torch.no_grad().
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    for t, o in zip(target.parameters(), online.parameters()):
        t.copy_(o)
