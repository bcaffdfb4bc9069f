"""
EXPECT: wrong
MISTAKE: Only the weights are copied; the biases of the target network keep their old values.
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    with torch.no_grad():
        for (name, t), o in zip(target.named_parameters(), online.parameters()):
            if "weight" in name:
                t.copy_(o)
