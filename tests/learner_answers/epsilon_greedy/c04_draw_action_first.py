"""
EXPECT: correct
CHECK: check_epsilon_greedy(epsilon_greedy)
"""
import numpy as np


def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    # draw a random action and a coin every time; same law, different use of the generator
    random_action = int(rng.integers(len(q_values)))
    explore = rng.uniform() < epsilon
    if explore:
        return random_action
    ties = np.where(q_values == np.max(q_values))[0]
    return int(ties[rng.integers(ties.size)])
