"""
EXPECT: wrong
MISTAKE: The tie-breaking noise is added to q_values in place, so the caller's Q-table row is changed every time an action is chosen.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    q_values += 1e-9 * rng.random(len(q_values))  # tiny noise breaks ties
    return int(np.argmax(q_values))
