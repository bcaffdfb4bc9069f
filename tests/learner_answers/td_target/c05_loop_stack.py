"""
EXPECT: correct
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    targets = []
    for i in range(reward.shape[0]):
        future = 0.0 if terminated[i] == 1.0 else gamma * next_q_values[i].max()
        targets.append(reward[i] + future)
    return torch.stack(targets)
