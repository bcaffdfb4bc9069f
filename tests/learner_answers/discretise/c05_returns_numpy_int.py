"""
EXPECT: correct
CHECK: check_discretise(discretise)
NOTE: returns numpy.intp, not a Python int (works as a row index)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(np.floor((obs - low) / (high - low) * bins), 0, bins - 1).astype(int)
    return np.ravel_multi_index(tuple(box), (bins,) * obs.shape[0])
