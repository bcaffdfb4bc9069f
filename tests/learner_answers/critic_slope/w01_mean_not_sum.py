"""
EXPECT: wrong
MISTAKE: Differentiating the mean instead of the sum divides every row's slope by the batch size.
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    action = action.detach().requires_grad_(True)
    return torch.autograd.grad(critic(obs, action).mean(), action)[0]
