"""
EXPECT: wrong
MISTAKE: obs -= low and obs /= … change the caller's observation array in place.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    obs -= low
    obs /= high - low
    box = np.clip((obs * bins).astype(int), 0, bins - 1)
    return int(np.ravel_multi_index(box, (bins,) * len(obs)))
