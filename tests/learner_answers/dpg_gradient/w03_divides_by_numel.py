"""
EXPECT: wrong
MISTAKE: It divides by batch × action_dim (numel) instead of the batch size, wrong as soon as the action has more than one dimension.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=-dq_da / dq_da.numel()))
