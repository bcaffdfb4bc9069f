"""
EXPECT: wrong
MISTAKE: It uses the best action's Q-value instead of the Q-value of the action actually taken.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.max(dim=1).values
    return F.smooth_l1_loss(q_pred, td_target)
