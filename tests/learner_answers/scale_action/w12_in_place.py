"""
EXPECT: wrong
MISTAKE: The arithmetic is done in place with +=, so the caller's raw_action array or tensor is overwritten.
CHECK: check_scale_action(scale_action)
"""
import numpy as np
import torch


def scale_action(raw_action, low, high):
    raw_action += 1
    raw_action *= (high - low) / 2
    raw_action += low
    return raw_action
