"""
EXPECT: wrong
MISTAKE: // is floor division: (raw + 1) // 2 is 0 for every raw action below 1, so almost everything maps to low.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return low + (raw_action + 1) // 2 * (high - low)
