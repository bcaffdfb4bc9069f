"""
EXPECT: correct
CHECK: check_critic_slope(critic_slope)
NOTE: equal to the sum version up to float rounding
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    with torch.enable_grad():
        a = action.detach().requires_grad_(True)
        grad_of_mean = torch.autograd.grad(critic(obs, a).mean(), a)[0]
    return grad_of_mean * len(obs)  # the mean divides every row's slope by the batch size
