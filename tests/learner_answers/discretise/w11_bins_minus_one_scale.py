"""
EXPECT: wrong
MISTAKE: Scaling by bins − 1 instead of bins makes the boxes too wide: the last box is reached only at high itself.
CHECK: check_discretise(discretise)
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    box = np.clip(((obs - low) / (high - low) * (bins - 1)).astype(int), 0, bins - 1)
    return int(np.ravel_multi_index(box, (bins,) * len(obs)))
