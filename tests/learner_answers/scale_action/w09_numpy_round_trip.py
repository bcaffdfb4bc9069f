"""
EXPECT: wrong
MISTAKE: np.asarray turns a torch tensor into a numpy array, so a tensor input comes back as numpy (and a tensor with grad raises).
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    raw = np.asarray(raw_action, dtype=np.float32)
    return low + (raw + 1) * (np.asarray(high) - np.asarray(low)) / 2
