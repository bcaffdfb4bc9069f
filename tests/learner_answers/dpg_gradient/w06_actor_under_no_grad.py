"""
EXPECT: wrong
MISTAKE: The actor is run under no_grad, so its action has no graph and autograd.grad raises.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    with torch.no_grad():
        action = actor(obs)
    return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=-dq_da / len(obs)))
