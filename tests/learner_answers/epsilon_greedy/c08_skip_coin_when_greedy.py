"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if epsilon > 0 and rng.random() < epsilon:  # no coin needed when epsilon is 0
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == np.max(q_values))))
