"""
EXPECT: wrong
MISTAKE: It forgets to shift by low: the result runs from 0 to high − low instead of from low to high.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return (raw_action + 1) / 2 * (high - low)
