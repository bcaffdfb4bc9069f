"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
NOTE: returns numpy.int64 rather than a Python int; works as an action everywhere (env.step, indexing)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return rng.integers(len(q_values))
    return rng.choice(np.flatnonzero(q_values == q_values.max()))
