"""
EXPECT: wrong
MISTAKE: np.round instead of floor puts every value in the upper half of a box into the next box.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(np.round((obs - low) / (high - low) * bins).astype(int), 0, bins - 1)
    return int(np.ravel_multi_index(box, (bins,) * len(obs)))
