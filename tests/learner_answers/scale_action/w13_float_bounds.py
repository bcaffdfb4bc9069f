"""
EXPECT: wrong
MISTAKE: float(low) assumes one scalar bound; an action with several dimensions and per-dimension bounds raises an error.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    low, high = float(low), float(high)
    return low + (raw_action + 1) * (high - low) / 2
