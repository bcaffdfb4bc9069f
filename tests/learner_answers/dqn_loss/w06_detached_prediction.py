"""
EXPECT: wrong
MISTAKE: q_pred is detached, so the loss has no graph back to the network and backward() cannot train it.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action.unsqueeze(1)).squeeze(1).detach()
    return F.smooth_l1_loss(q_pred, td_target)
