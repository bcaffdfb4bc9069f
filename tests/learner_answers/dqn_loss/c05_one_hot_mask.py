"""
EXPECT: correct
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    mask = F.one_hot(action, num_classes=q_values.shape[1]).to(q_values.dtype)
    q_pred = (q_values * mask).sum(dim=1)
    return torch.nn.SmoothL1Loss()(q_pred, td_target)
