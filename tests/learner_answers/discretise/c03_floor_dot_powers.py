"""
EXPECT: correct
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.floor((obs - low) / (high - low) * bins).astype(np.int64)
    box = np.minimum(np.maximum(box, 0), bins - 1)
    powers = bins ** np.arange(len(obs) - 1, -1, -1)
    return int(box @ powers)
