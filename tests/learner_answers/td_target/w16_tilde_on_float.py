"""
EXPECT: wrong
MISTAKE: ~ is not defined for a float tensor (it raises a TypeError); use 1 − terminated.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return reward + gamma * (~terminated) * next_q_values.max(dim=1).values
