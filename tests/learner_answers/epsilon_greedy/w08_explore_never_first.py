"""
EXPECT: wrong
MISTAKE: Off by one: the random action is drawn from 1..n−1, so exploring never picks action 0.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    n_actions = len(q_values)
    if rng.random() < epsilon:
        return int(rng.integers(1, n_actions))
    best = np.flatnonzero(q_values == q_values.max())
    return int(rng.choice(best))
