"""
EXPECT: wrong
MISTAKE: The mask also zeroes the reward: a terminal transition's target must be r, not 0.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return (1.0 - terminated) * (reward + gamma * next_q_values.max(dim=1).values)
