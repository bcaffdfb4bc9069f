"""
EXPECT: wrong
MISTAKE: Off by one: rng.integers(0, n - 1) excludes its upper end, so exploring never picks the last action.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.integers(0, len(q_values) - 1))
    best = np.flatnonzero(q_values == q_values.max())
    return int(rng.choice(best))
