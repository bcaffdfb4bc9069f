"""
EXPECT: wrong
MISTAKE: It returns a numpy array instead of a torch tensor.
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    a = action.detach().requires_grad_(True)
    return torch.autograd.grad(critic(obs, a).sum(), a)[0].numpy()
