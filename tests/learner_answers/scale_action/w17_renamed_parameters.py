"""
EXPECT: wrong
MISTAKE: The parameters were renamed (a, lo, hi), so a call by keyword such as scale_action(raw, low=..., high=...) fails with a TypeError.
CHECK: check_scale_action(scale_action)
"""
import sys

import numpy as np
import torch


def scale_action(a, lo, hi):
    return lo + (a + 1) * (hi - lo) / 2
