"""
EXPECT: wrong
MISTAKE: Huber with δ = 2 is a different loss from smooth_l1_loss (δ = 1): it is quadratic up to 2 and twice as steep beyond.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action.unsqueeze(1)).squeeze(1)
    return F.huber_loss(q_pred, td_target, delta=2.0)
