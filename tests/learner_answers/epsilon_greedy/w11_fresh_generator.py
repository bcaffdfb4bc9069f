"""
EXPECT: wrong
MISTAKE: It replaces the given rng by a new unseeded generator, so runs are not reproducible from the seed.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    rng = np.random.default_rng()
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))
