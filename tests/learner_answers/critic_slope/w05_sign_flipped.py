"""
EXPECT: wrong
MISTAKE: It returns −∂Q/∂a (the slope of the actor's loss) instead of the critic's slope ∂Q/∂a.
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    a = action.detach().requires_grad_(True)
    return -torch.autograd.grad(critic(obs, a).sum(), a)[0]  # the actor minimises -Q
