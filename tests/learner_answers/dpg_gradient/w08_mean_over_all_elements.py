"""
EXPECT: wrong
MISTAKE: .mean() over all elements divides by batch × action_dim, not by the batch size B.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    surrogate = -(action * dq_da).mean()
    return list(torch.autograd.grad(surrogate, list(actor.parameters())))
