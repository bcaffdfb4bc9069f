"""
EXPECT: wrong
MISTAKE: Sign error: adding τ(θ⁻ − θ) moves the target away from the online network; it must be τ(θ − θ⁻).
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.add_(tau * (t - o))
