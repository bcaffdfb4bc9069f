"""
EXPECT: wrong
MISTAKE: Off by one in the tie-break loop: rng.integers(n − 1) never draws the last action, so when the last action is the only best one the loop never ends.
CHECK: check_epsilon_greedy(epsilon_greedy)
NOTE: endless loop for one case
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    if rng.random() < epsilon:
        return int(rng.integers(len(q_values)))
    best_value = q_values.max()
    while True:  # draw until we hit a best action: a random tie-break
        a = int(rng.integers(len(q_values) - 1))
        if q_values[a] == best_value:
            return a
