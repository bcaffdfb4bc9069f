"""
EXPECT: wrong
MISTAKE: The numpy detour cuts the graph: the loss cannot backpropagate into the network.
CHECK: check_dqn_loss(dqn_loss)
"""
import numpy as np
import torch
import torch.nn.functional as F


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    q = q_values.detach().numpy()
    q_pred = q[np.arange(len(q)), action.numpy()]
    return F.smooth_l1_loss(torch.from_numpy(q_pred), td_target)
