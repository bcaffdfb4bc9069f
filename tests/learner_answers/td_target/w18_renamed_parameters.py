"""
EXPECT: wrong
MISTAKE: The parameters were renamed (rewards, dones), so a call by keyword such as td_target(reward=..., terminated=...) fails with a TypeError.
CHECK: check_td_target(td_target)
"""
import torch


def td_target(rewards: torch.Tensor, next_q_values: torch.Tensor, dones: torch.Tensor,
              gamma: float) -> torch.Tensor:
    return rewards + gamma * (1.0 - dones) * next_q_values.max(dim=1).values
