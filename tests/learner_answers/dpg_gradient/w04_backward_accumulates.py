"""
EXPECT: wrong
MISTAKE: backward() adds into the parameters' existing .grad, so any gradient already there is included, and the actor's .grad is changed as a side effect.
CHECK: check_dpg_gradient(dpg_gradient)
"""
import torch


def dpg_gradient(actor: torch.nn.Module, obs: torch.Tensor, dq_da: torch.Tensor) -> list[torch.Tensor]:
    action = actor(obs)
    action.backward(-dq_da / len(obs))
    return [p.grad for p in actor.parameters()]
