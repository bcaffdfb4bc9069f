"""
EXPECT: wrong
MISTAKE: It uses Python's random module instead of the given rng, so the same seed does not give the same actions.
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np

import random


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if random.random() < epsilon:
        return random.randrange(len(q_values))
    best = [a for a in range(len(q_values)) if q_values[a] == max(q_values)]
    return random.choice(best)
