"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    # shuffle the actions, then argmax picks the first best one in the shuffled order: a random tie-break
    if rng.random() < epsilon:
        return int(rng.choice(q_values.shape[0]))
    order = rng.permutation(len(q_values))
    return int(order[np.argmax(q_values[order])])
