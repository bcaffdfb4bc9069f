"""
EXPECT: wrong
MISTAKE: The assert rejects the valid τ = 1 (a hard update) and τ = 0 (no update) with an AssertionError.
CHECK: check_soft_update(soft_update)
"""
import copy

import torch


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    assert 0.0 < tau < 1.0, "tau must be strictly between 0 and 1"
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.copy_(tau * o + (1.0 - tau) * t)
