"""
EXPECT: wrong
MISTAKE: Off by one in the base: digits are read in base bins + 1, so the index can exceed bins ** d − 1 and rows are skipped.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(((obs - low) / (high - low) * bins).astype(int), 0, bins - 1)
    return int(np.ravel_multi_index(box, (bins + 1,) * len(obs)))
