"""
EXPECT: wrong
MISTAKE: A debugging sys.exit() is left in after the print: the first call stops the program (the kernel) before anything is returned.
CHECK: check_scale_action(scale_action)
"""
import sys

import numpy as np
import torch


def scale_action(raw_action, low, high):
    action = low + (raw_action + 1) * (high - low) / 2
    print("scaled", action)
    sys.exit()  # stop here to look at the output
    return action
