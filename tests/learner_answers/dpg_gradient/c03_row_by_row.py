"""
EXPECT: correct
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    params = list(actor.parameters())
    total = [torch.zeros_like(p) for p in params]
    for i in range(len(obs)):
        a_i = actor(obs[i:i + 1])
        grads = torch.autograd.grad(a_i, params, grad_outputs=-dq_da[i:i + 1] / len(obs))
        total = [t + g for t, g in zip(total, grads)]
    return total
