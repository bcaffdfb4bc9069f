"""
EXPECT: wrong
MISTAKE: The numpy detour turns the target into float64; it must stay float32 like the Q-values.
CHECK: check_td_target(td_target)
"""
import numpy as np
import torch


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    next_value = torch.from_numpy(np.max(next_q_values.detach().numpy(), axis=1).astype(np.float64))
    return reward.double() + gamma * (1.0 - terminated.double()) * next_value
