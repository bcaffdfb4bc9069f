"""
EXPECT: wrong
MISTAKE: It sums the Huber loss over the batch instead of averaging it.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action.unsqueeze(1)).squeeze(1)
    return F.smooth_l1_loss(q_pred, td_target, reduction="sum")
