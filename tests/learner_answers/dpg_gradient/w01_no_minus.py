"""
EXPECT: wrong
MISTAKE: The minus sign is missing: this is the gradient of +mean Q, so a descent step would make the actor worse.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=dq_da / len(obs)))
