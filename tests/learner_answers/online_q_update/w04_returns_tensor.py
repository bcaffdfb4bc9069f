"""
EXPECT: wrong
MISTAKE: It returns the loss tensor (with its graph) instead of a Python float (loss.item()).
CHECK: check_online_q_update(online_q_update)
"""
import numpy as np
import torch
import torch.nn.functional as F


def online_q_update(q_network: torch.nn.Module, optimizer: torch.optim.Optimizer, obs: np.ndarray,
                    action: int, reward: float, next_obs: np.ndarray, terminated: bool, gamma: float) -> float:
    q_values = q_network(torch.as_tensor(obs))
    with torch.no_grad():
        target = reward + gamma * (1.0 - float(terminated)) * q_network(torch.as_tensor(next_obs)).max()
    loss = F.mse_loss(q_values[action], target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss
