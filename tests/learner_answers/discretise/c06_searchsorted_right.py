"""
EXPECT: correct
CHECK: check_discretise(discretise)
NOTE: a value exactly on an edge goes to the box above it, as the floor does
"""
import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    index = 0
    for x, lo, hi in zip(obs, low, high):
        inner = lo + (hi - lo) * np.arange(1, bins) / bins  # the bins - 1 inner edges
        index = index * bins + int(np.searchsorted(inner, x, side="right"))  # edges <= x
    return index
