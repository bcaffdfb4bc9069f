"""
EXPECT: correct
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    for t, o in zip(target.parameters(), online.parameters()):
        t.data.copy_(tau * o.data + (1 - tau) * t.data)
