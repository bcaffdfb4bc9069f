"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    explore = rng.random() < epsilon
    if explore:
        action = rng.choice(np.arange(len(q_values)))
    else:
        action = rng.choice(np.argwhere(q_values == np.amax(q_values)).ravel())
    return int(action)
