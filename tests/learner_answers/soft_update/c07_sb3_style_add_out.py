"""
EXPECT: correct
CHECK: check_soft_update(soft_update)
"""
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        for t, o in zip(target.parameters(), online.parameters()):
            t.data.mul_(1 - tau)
            torch.add(t.data, o.data, alpha=tau, out=t.data)  # as Stable-Baselines3's polyak_update
