"""
EXPECT: wrong
MISTAKE: np.searchsorted's default side='left' puts a value that lies exactly on an inner edge into the box below it; the floor puts it into the box above.
CHECK: check_discretise(discretise)
"""
import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    index = 0
    for x, lo, hi in zip(obs, low, high):
        inner = lo + (hi - lo) * np.arange(1, bins) / bins
        index = index * bins + int(np.searchsorted(inner, x))  # default side='left'
    return index
