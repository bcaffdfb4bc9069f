"""
EXPECT: wrong
MISTAKE: requires_grad_ is switched on for the caller's own action tensor (changed in place) instead of on a copy.
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    action.requires_grad_(True)
    return torch.autograd.grad(critic(obs, action).sum(), action)[0]
