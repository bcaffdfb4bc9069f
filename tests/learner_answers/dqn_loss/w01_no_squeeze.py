"""
EXPECT: wrong
MISTAKE: gather gives (batch, 1); without squeeze(1), comparing it with the (batch,) target broadcasts to (batch, batch).
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action.unsqueeze(1))  # (batch, 1)
    return F.smooth_l1_loss(q_pred, td_target)
