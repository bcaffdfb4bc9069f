"""
EXPECT: wrong
MISTAKE: Ties are not broken at random: np.argmax always returns the first best action, so a fresh all-zero table always picks action 0.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(np.argmax(q_values))
