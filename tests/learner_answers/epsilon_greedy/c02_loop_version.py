"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    n_actions = len(q_values)
    if rng.random() < epsilon:
        return int(rng.integers(0, n_actions))
    best_value = q_values[0]
    best_actions = [0]
    for a in range(1, n_actions):
        if q_values[a] > best_value:
            best_value = q_values[a]
            best_actions = [a]
        elif q_values[a] == best_value:
            best_actions.append(a)
    return best_actions[int(rng.integers(len(best_actions)))]
