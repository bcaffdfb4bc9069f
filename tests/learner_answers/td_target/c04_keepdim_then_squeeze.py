"""
EXPECT: correct
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    next_value = next_q_values.max(dim=1, keepdim=True).values.squeeze(1)  # (batch, 1) -> (batch,)
    return reward + gamma * (1.0 - terminated) * next_value
