"""
EXPECT: wrong
MISTAKE: (obs − low) // (high − low) is floor-divided before multiplying by bins, so it is 0 inside the range and every observation lands in box 0.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(((obs - low) // (high - low) * bins).astype(int), 0, bins - 1)
    return int(np.ravel_multi_index(box, (bins,) * len(obs)))
