"""
EXPECT: wrong
MISTAKE: The hand-written Huber loss tests error < 1 without abs(), so large negative errors get the quadratic branch.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action.unsqueeze(1)).squeeze(1)
    error = q_pred - td_target
    return torch.where(error < 1.0, 0.5 * error ** 2, error - 0.5).mean()
