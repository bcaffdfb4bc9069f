"""
EXPECT: wrong
MISTAKE: max(dim=1, keepdim=True) has shape (batch, 1), so adding it to the (batch,) reward broadcasts to a (batch, batch) matrix.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return reward + gamma * (1.0 - terminated) * next_q_values.max(dim=1, keepdim=True).values
