"""
EXPECT: wrong
MISTAKE: t.data = o.data makes the target share the online network's tensors, so the target moves with every gradient step: it must be an independent copy.
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    for t, o in zip(target.parameters(), online.parameters()):
        t.data = o.data
