"""
EXPECT: wrong
MISTAKE: Averaging dq_da over the batch first gives one (action_dim,) vector where autograd needs one slope per row (batch, action_dim): it raises a shape error.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    v = -dq_da.mean(dim=0)  # the average slope
    return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=v))
