"""
EXPECT: wrong
MISTAKE: sys.exit() on a terminal transition stops the whole program (the kernel) instead of doing the update with target r.
CHECK: check_q_learning_update(q_learning_update)
"""
import sys

import numpy as np


def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    if terminated:
        sys.exit("episode over")  # nothing left to learn in this episode
    td_error = reward + gamma * q_table[next_obs].max() - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
