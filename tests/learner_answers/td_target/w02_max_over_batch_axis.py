"""
EXPECT: wrong
MISTAKE: max(dim=0) takes the max over the batch (for each action) instead of over the actions for each transition.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return reward + gamma * (1.0 - terminated) * next_q_values.max(dim=0).values
