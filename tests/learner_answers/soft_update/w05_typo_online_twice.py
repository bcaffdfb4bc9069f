"""
EXPECT: wrong
MISTAKE: Typo: (1 − τ) multiplies the online parameter again instead of the target's, so this is a hard copy θ⁻ ← θ.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.copy_(tau * o + (1.0 - tau) * o)
