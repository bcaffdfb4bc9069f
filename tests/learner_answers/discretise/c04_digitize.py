"""
EXPECT: correct
CHECK: check_discretise(discretise)
NOTE: np.digitize on the bins - 1 inner edges; values beyond the outer edges fall into the outer boxes by themselves
"""
import math

import numpy as np


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    index = 0
    for k in range(len(obs)):
        inner_edges = np.linspace(low[k], high[k], bins + 1)[1:-1]
        index = index * bins + int(np.digitize(obs[k], inner_edges))
    return index
