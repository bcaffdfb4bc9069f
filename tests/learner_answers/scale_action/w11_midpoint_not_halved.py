"""
EXPECT: wrong
MISTAKE: The midpoint is (high + low)/2; adding high + low shifts asymmetric bounds twice as far.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return (high - low) / 2 * raw_action + (high + low)
