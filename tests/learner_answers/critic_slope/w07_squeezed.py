"""
EXPECT: wrong
MISTAKE: squeeze(-1) drops the action axis when action_dim is 1: the result must keep shape (batch, action_dim).
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    a = action.detach().requires_grad_(True)
    return torch.autograd.grad(critic(obs, a).sum(), a)[0].squeeze(-1)
