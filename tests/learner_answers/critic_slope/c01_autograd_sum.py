"""
EXPECT: correct
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    action = action.detach().requires_grad_(True)
    return torch.autograd.grad(critic(obs, action).sum(), action)[0]
