"""
EXPECT: wrong
MISTAKE: Only the weights are blended; the target's biases never move.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for (name, t), o in zip(target.named_parameters(), online.parameters()):
            if name.endswith("weight"):
                t.copy_(tau * o + (1 - tau) * t)
