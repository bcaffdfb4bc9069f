"""
EXPECT: wrong
MISTAKE: t = … rebinds the loop variable to a new tensor; the target network itself is never changed.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t = tau * o + (1.0 - tau) * t
