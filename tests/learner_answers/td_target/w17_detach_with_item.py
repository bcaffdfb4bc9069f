"""
EXPECT: wrong
MISTAKE: torch.tensor(..., dtype=torch.float64) of the Python floats makes the target float64 instead of float32.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    next_value = torch.tensor([row.max().item() for row in next_q_values], dtype=torch.float64)
    return reward + gamma * (1.0 - terminated) * next_value
