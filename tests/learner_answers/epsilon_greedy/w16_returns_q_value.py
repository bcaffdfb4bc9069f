"""
EXPECT: wrong
MISTAKE: It returns the Q-value of the chosen action instead of the action itself.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        action = rng.integers(len(q_values))
    else:
        action = rng.choice(np.flatnonzero(q_values == q_values.max()))
    return q_values[action]
