"""
EXPECT: wrong
MISTAKE: Multiplying by high works only for symmetric bounds [−h, h]; with low = 0, high = 4 it maps −1 to −4 instead of 0.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    return raw_action * high
