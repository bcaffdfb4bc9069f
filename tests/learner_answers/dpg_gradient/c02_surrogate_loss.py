"""
EXPECT: correct
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)  # (batch, action_dim)
    surrogate = -(action * dq_da.detach()).sum() / obs.shape[0]  # same gradient as -mean Q(s, mu(s))
    return list(torch.autograd.grad(surrogate, list(actor.parameters())))
