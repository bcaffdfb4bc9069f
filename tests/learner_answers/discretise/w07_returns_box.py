"""
EXPECT: wrong
MISTAKE: It returns the array of per-coordinate boxes instead of the single row index.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    return np.clip(((obs - low) / (high - low) * bins).astype(int), 0, bins - 1)
