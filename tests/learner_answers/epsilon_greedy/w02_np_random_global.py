"""
EXPECT: wrong
MISTAKE: It draws from the global np.random instead of the rng it is given, so seeding rng does not make the run reproducible.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if np.random.random() < epsilon:
        return int(np.random.randint(len(q_values)))
    best = np.flatnonzero(q_values == q_values.max())
    return int(np.random.choice(best))
