"""
EXPECT: wrong
MISTAKE: The division by 2 is missing: (raw + 1) runs from 0 to 2, so +1 maps to 2·high − low.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return low + (raw_action + 1) * (high - low)
