"""
EXPECT: wrong
MISTAKE: The mask is inverted: γ·terminated bootstraps only the terminal transitions; it must be (1 − terminated).
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return reward + gamma * terminated * next_q_values.max(dim=1).values
