"""
EXPECT: wrong
MISTAKE: backward() also accumulates gradients into the critic's parameters (.grad), a side effect that pollutes the next critic update; use torch.autograd.grad.
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    a = action.detach().requires_grad_(True)
    critic(obs, a).sum().backward()
    return a.grad
