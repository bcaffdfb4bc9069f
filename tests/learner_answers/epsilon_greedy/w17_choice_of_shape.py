"""
EXPECT: wrong
MISTAKE: rng.choice(q_values.shape) chooses from the tuple (n_actions,), so exploring always returns n_actions, an action that does not exist.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.choice(q_values.shape))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))
