"""
EXPECT: wrong
MISTAKE: It uses only the first bound low[0], high[0]: it fails for scalar bounds and scales every dimension with the first dimension's bounds.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return low[0] + (raw_action + 1) * (high[0] - low[0]) / 2
