"""
EXPECT: wrong
MISTAKE: The 1/B of the mean is missing: the gradient is B times too large.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=-dq_da))
