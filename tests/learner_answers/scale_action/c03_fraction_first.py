"""
EXPECT: correct
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    fraction = (raw_action + 1) / 2  # 0 at -1, 1 at +1
    return low + fraction * (high - low)
