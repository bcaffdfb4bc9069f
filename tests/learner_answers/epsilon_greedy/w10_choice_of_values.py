"""
EXPECT: wrong
MISTAKE: For the greedy step it picks among the best Q-values themselves, not among the actions (indices) that have them, so it returns a value, not an action.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.choice(len(q_values)))
    best = q_values[q_values == q_values.max()]
    return int(rng.choice(best))
