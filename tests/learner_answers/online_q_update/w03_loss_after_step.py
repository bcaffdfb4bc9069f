"""
EXPECT: wrong
MISTAKE: It returns the loss recomputed after the step, not the loss before the step.
CHECK: check_online_q_update(online_q_update)
"""
import numpy as np
import torch
import torch.nn.functional as F


def online_q_update(q_network: torch.nn.Module, optimizer: torch.optim.Optimizer, obs: np.ndarray,
                    action: int, reward: float, next_obs: np.ndarray, terminated: bool, gamma: float) -> float:
    obs_t, next_t = torch.as_tensor(obs), torch.as_tensor(next_obs)
    with torch.no_grad():
        target = reward + gamma * (1.0 - float(terminated)) * q_network(next_t).max()
    loss = F.mse_loss(q_network(obs_t)[action], target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return F.mse_loss(q_network(obs_t)[action], target).item()
