"""
EXPECT: wrong
MISTAKE: In-place copy_ into a parameter that requires grad raises a RuntimeError outside torch.no_grad().
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    for t, o in zip(target.parameters(), online.parameters()):
        t.copy_(tau * o + (1.0 - tau) * t)
