"""
EXPECT: wrong
MISTAKE: Exploring picks only among the non-greedy actions; the random action must be uniform over all actions, the greedy one included.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    greedy = int(rng.choice(np.flatnonzero(q_values == q_values.max())))
    if rng.random() < epsilon:
        others = [a for a in range(len(q_values)) if a != greedy]
        return int(rng.choice(others))
    return greedy
