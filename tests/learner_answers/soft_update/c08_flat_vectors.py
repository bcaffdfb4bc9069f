"""
EXPECT: correct
CHECK: check_soft_update(soft_update)
NOTE: vector_to_parameters rebinds .data of the target's parameters (same Parameter objects, new storage)
"""
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def soft_update(target: torch.nn.Module, online: torch.nn.Module, tau: float) -> None:
    with torch.no_grad():
        mixed = tau * parameters_to_vector(online.parameters()) + (1 - tau) * parameters_to_vector(target.parameters())
        vector_to_parameters(mixed, target.parameters())
