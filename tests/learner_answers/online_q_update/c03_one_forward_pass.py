"""
EXPECT: correct
CHECK: check_online_q_update(online_q_update)
"""
import numpy as np
import torch
import torch.nn.functional as F


def online_q_update(q_network: torch.nn.Module, optimizer: torch.optim.Optimizer, obs: np.ndarray,
                    action: int, reward: float, next_obs: np.ndarray, terminated: bool, gamma: float) -> float:
    both = q_network(torch.as_tensor(np.stack([obs, next_obs])))  # (2, n_actions)
    q_pred = both[0, action]
    target = reward + gamma * (not terminated) * both[1].max().detach()
    loss = F.mse_loss(q_pred, target)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    return loss.item()
