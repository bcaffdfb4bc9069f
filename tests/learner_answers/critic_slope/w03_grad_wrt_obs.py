"""
EXPECT: wrong
MISTAKE: It differentiates with respect to the observation, not the action: the slope along the action is asked for.
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    obs = obs.detach().requires_grad_(True)
    return torch.autograd.grad(critic(obs, action).sum(), obs)[0]
