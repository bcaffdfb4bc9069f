"""
EXPECT: wrong
MISTAKE: It makes a new generator seeded with 0 on every call, so every call makes the same 'random' draws: the explore decision and the random action never change.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    rng = np.random.default_rng(0)  # for reproducibility
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))
