"""
EXPECT: wrong
MISTAKE: Ties are broken at random only when all values are equal; a partial tie such as [1, 3, 3] still always gives the first best action.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    if np.all(q_values == q_values[0]):  # fresh table: pick at random
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))
