"""
EXPECT: wrong
MISTAKE: It moves the online network towards the target instead of the target towards the online network.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            o.copy_(tau * t + (1.0 - tau) * o)
