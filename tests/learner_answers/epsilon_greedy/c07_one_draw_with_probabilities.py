"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    # one draw from the whole ε-greedy law
    n = len(q_values)
    best = q_values == q_values.max()
    probs = np.full(n, epsilon / n) + (1.0 - epsilon) * best / best.sum()
    return int(rng.choice(n, p=probs))
