"""
EXPECT: correct
CHECK: check_dpg_gradient(dpg_gradient)
NOTE: returns the tuple autograd.grad gives, not a list
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    return torch.autograd.grad(actor(obs), tuple(actor.parameters()), grad_outputs=-dq_da / len(obs))
