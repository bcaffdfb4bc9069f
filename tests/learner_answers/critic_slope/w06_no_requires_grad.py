"""
EXPECT: wrong
MISTAKE: The action does not require gradients, so autograd.grad raises; make a copy with requires_grad_(True).
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    return torch.autograd.grad(critic(obs, action).sum(), action)[0]
