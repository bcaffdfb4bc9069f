"""
EXPECT: wrong
MISTAKE: A debugging print() is left in: called on every step of training it floods the notebook's output.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    print("q_values:", q_values, "epsilon:", epsilon)
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    return int(rng.choice(np.flatnonzero(q_values == q_values.max())))
