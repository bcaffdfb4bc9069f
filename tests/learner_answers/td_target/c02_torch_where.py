"""
EXPECT: correct
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    bootstrapped = reward + gamma * next_q_values.max(dim=1).values
    return torch.where(terminated.bool(), reward, bootstrapped)
