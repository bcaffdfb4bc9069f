"""
EXPECT: correct
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    a = action.clone().requires_grad_()
    q = critic(obs, a)  # (batch,)
    (dq_da,) = torch.autograd.grad(q, a, grad_outputs=torch.ones_like(q))
    return dq_da
