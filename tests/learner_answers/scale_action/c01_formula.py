"""
EXPECT: correct
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return low + (raw_action + 1.0) * (high - low) / 2.0
