"""
EXPECT: wrong
MISTAKE: τ and 1 − τ are swapped: τ is the weight of the online network, so the target gets τθ + (1 − τ)θ⁻, not (1 − τ)θ + τθ⁻.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.copy_((1.0 - tau) * o + tau * t)
