"""
EXPECT: wrong
MISTAKE: The midpoint is missing: raw·(high − low)/2 is centred on 0, so asymmetric bounds come out shifted.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return raw_action * (high - low) / 2
