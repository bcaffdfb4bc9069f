"""
EXPECT: correct
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    next_value = torch.amax(next_q_values, dim=-1)  # (batch,)
    return reward + gamma * next_value * (1 - terminated)
