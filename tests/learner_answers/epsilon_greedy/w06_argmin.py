"""
EXPECT: wrong
MISTAKE: The greedy step takes the action with the lowest Q-value (min) instead of the highest.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    best = np.flatnonzero(q_values == q_values.min())
    return int(rng.choice(best))
