"""
EXPECT: correct
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    half_width = (high - low) / 2
    middle = (high + low) / 2
    return middle + half_width * raw_action
