"""
EXPECT: wrong
MISTAKE: Adding the box indices makes many different boxes share one row; they must be combined as digits in base bins.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(((obs - low) / (high - low) * bins).astype(int), 0, bins - 1)
    return int(box.sum())
