"""
EXPECT: correct
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return low + (high - low) * (raw_action * 0.5 + 0.5)
