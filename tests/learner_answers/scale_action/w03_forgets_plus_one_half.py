"""
EXPECT: wrong
MISTAKE: It forgets to map [−1, 1] to [0, 1] first: low + raw·(high − low) sends −1 to 2·low − high.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return low + raw_action * (high - low)
