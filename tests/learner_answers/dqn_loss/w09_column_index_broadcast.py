"""
EXPECT: wrong
MISTAKE: q_values[:, action] picks every row's values at all the batch's actions, a (batch, batch) matrix, not one value per row.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values[:, action]  # the Q-values of the actions taken
    return F.smooth_l1_loss(q_pred, td_target)
