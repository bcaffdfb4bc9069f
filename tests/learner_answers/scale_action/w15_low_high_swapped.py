"""
EXPECT: wrong
MISTAKE: low and high are swapped: −1 maps to high and +1 to low, so the action is mirrored.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return high + (raw_action + 1) * (low - high) / 2
