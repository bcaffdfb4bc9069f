"""
EXPECT: correct
CHECK: check_hard_update(hard_update)
NOTE: vector_to_parameters rebinds each target parameter's .data to a slice of one new vector: values copied, nothing shared with online
"""
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters


def hard_update(target: torch.nn.Module, online: torch.nn.Module) -> None:
    with torch.no_grad():
        vector_to_parameters(parameters_to_vector(online.parameters()).clone(), target.parameters())
