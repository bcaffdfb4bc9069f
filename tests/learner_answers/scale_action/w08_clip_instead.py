"""
EXPECT: wrong
MISTAKE: Clipping is not scaling: the raw action stays in [−1, 1] and never reaches bounds outside it.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return np.clip(raw_action, low, high)
