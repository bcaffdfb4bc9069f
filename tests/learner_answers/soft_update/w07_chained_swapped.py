"""
EXPECT: wrong
MISTAKE: τ and 1 − τ are swapped: the target is scaled by τ and gets (1 − τ) of the online network.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.mul_(tau).add_((1.0 - tau) * o)
