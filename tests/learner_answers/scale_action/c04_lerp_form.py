"""
EXPECT: correct
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    t = 0.5 * (raw_action + 1.0)
    return (1.0 - t) * low + t * high
