"""
EXPECT: correct
CHECK: check_td_target(td_target)
NOTE: computed under no_grad: the result has no graph even if next_q_values has one
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    with torch.no_grad():  # a target is a label
        return reward + gamma * (1.0 - terminated) * next_q_values.max(1)[0]
