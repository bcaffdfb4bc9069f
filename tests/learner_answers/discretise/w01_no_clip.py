"""
EXPECT: wrong
MISTAKE: The box indices are not clipped, so a value beyond low or high gives a box outside [0, bins − 1] and an index outside the table.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.floor((obs - low) / (high - low) * bins).astype(int)
    index = 0
    for i in box:
        index = index * bins + int(i)
    return index
