"""
EXPECT: wrong
MISTAKE: The target's own weight (1 − τ) is missing: θ⁻ ← τθ + θ⁻ grows the target instead of blending it.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.copy_(tau * o + t)
