"""
EXPECT: wrong
MISTAKE: It shifts by high instead of low, so −1 maps to high and +1 beyond it.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return high + (raw_action + 1) * (high - low) / 2
