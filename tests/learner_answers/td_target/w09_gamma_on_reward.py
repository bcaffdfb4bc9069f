"""
EXPECT: wrong
MISTAKE: γ also discounts the reward: the target is r + γ·(1 − terminated)·max Q, with r undiscounted.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return gamma * (reward + (1.0 - terminated) * next_q_values.max(dim=1).values)
