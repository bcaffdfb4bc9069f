"""
EXPECT: wrong
MISTAKE: sort is ascending, so column 0 is the smallest next Q-value, not the largest.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    best_next = next_q_values.sort(dim=1).values[:, 0]
    return reward + gamma * (1.0 - terminated) * best_next
