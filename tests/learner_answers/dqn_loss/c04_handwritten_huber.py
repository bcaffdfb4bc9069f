"""
EXPECT: correct
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action[:, None])[:, 0]
    error = q_pred - td_target
    abs_error = error.abs()
    per_item = torch.where(abs_error < 1.0, 0.5 * error ** 2, abs_error - 0.5)
    return per_item.mean()
