"""
EXPECT: correct
CHECK: check_online_q_update(online_q_update)
"""
import numpy as np
import torch
import torch.nn.functional as F


def online_q_update(q_network: torch.nn.Module, optimizer: torch.optim.Optimizer, obs: np.ndarray,
                    action: int, reward: float, next_obs: np.ndarray, terminated: bool, gamma: float) -> float:
    obs_t = torch.tensor(obs, dtype=torch.float32)
    next_obs_t = torch.tensor(next_obs, dtype=torch.float32)
    next_value = 0.0 if terminated else q_network(next_obs_t).max().detach()
    target = reward + gamma * next_value
    q_pred = q_network(obs_t)[action]
    loss = (target - q_pred) ** 2
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return float(loss)
