"""
EXPECT: correct
CHECK: check_hard_update(hard_update)
"""
import copy

import torch


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    online_state = online.state_dict()
    with torch.no_grad():
        for name, tensor in target.state_dict().items():
            tensor.copy_(online_state[name])
