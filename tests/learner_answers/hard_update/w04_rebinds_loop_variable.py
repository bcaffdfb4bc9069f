"""
EXPECT: wrong
MISTAKE: t = o.clone() rebinds the loop variable and changes nothing in the target network; copy into it with t.copy_(o).
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    for t, o in zip(target.parameters(), online.parameters()):
        t = o.clone()
