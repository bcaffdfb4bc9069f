"""
EXPECT: wrong
MISTAKE: The result has shape (batch, 1) instead of (batch,).
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    next_value = next_q_values.max(dim=1).values.unsqueeze(1)  # (batch, 1)
    return reward.unsqueeze(1) + gamma * (1.0 - terminated.unsqueeze(1)) * next_value
