"""
EXPECT: correct
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values[torch.arange(len(action)), action]
    return F.smooth_l1_loss(q_pred, td_target)
