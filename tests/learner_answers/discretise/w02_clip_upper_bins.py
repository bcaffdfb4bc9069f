"""
EXPECT: wrong
MISTAKE: Off by one: clipping to [0, bins] lets a value at or above high land in box bins, which does not exist (ravel_multi_index raises).
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(((obs - low) / (high - low) * bins).astype(int), 0, bins)
    return int(np.ravel_multi_index(box, (bins,) * len(obs)))
