"""
EXPECT: wrong
MISTAKE: torch.tensor(loss.item()) builds a new tensor without a graph, so backward() cannot reach the network.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q_pred = q_values.gather(1, action.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(q_pred, td_target)
    return torch.tensor(loss.item())
