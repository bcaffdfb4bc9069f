"""
EXPECT: wrong
MISTAKE: order='F' makes the last coordinate the most significant digit; the first coordinate must be.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(((obs - low) / (high - low) * bins).astype(int), 0, bins - 1)
    return int(np.ravel_multi_index(box, (bins,) * len(obs), order="F"))
