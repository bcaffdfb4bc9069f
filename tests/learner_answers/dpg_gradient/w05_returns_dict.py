"""
EXPECT: wrong
MISTAKE: It returns a dict keyed by parameter name instead of a list in the order of actor.parameters().
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    names, params = zip(*actor.named_parameters())
    grads = torch.autograd.grad(action, params, grad_outputs=-dq_da / len(obs))
    return dict(zip(names, grads))
