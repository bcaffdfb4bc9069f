"""
EXPECT: wrong
MISTAKE: argmax gives the index of the best next action, not its Q-value.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return reward + gamma * (1.0 - terminated) * next_q_values.argmax(dim=1)
