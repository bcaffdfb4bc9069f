"""
EXPECT: correct
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    index = 0
    for x, lo, hi in zip(obs, low, high):
        i = math.floor((x - lo) / (hi - lo) * bins)
        i = min(max(i, 0), bins - 1)
        index = index * bins + i  # first coordinate ends up most significant
    return index
