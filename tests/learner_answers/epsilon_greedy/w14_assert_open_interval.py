"""
EXPECT: wrong
MISTAKE: The assert rejects the valid values ε = 0 (purely greedy, used for evaluation) and ε = 1 (purely random) with an AssertionError.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    assert 0 < epsilon < 1, "epsilon must be a probability"
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))
