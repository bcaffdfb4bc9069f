"""
EXPECT: correct
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    alive = (~terminated.bool()).to(reward.dtype)
    best_next, _ = torch.max(next_q_values, dim=1)
    return reward + gamma * alive * best_next
