"""
EXPECT: correct
CHECK: check_critic_slope(critic_slope)
NOTE: torch.tensor(tensor) warns (use clone().detach()) but gives the right copy
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    a = torch.tensor(action, requires_grad=True)
    return torch.autograd.grad(critic(obs, a).sum(), a)[0]
