"""
EXPECT: wrong
MISTAKE: It returns a numpy array instead of a torch tensor (and .numpy() fails on a tensor that requires grad).
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    next_value = np.max(next_q_values.numpy(), axis=1)
    return reward.numpy() + gamma * (1.0 - terminated.numpy()) * next_value
