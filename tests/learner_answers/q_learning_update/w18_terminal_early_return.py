"""
EXPECT: wrong
MISTAKE: On a terminal transition it returns the TD error without updating the table, so Q(s, a) of terminal moves never learns.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    if terminated:
        return reward - q_table[obs, action]  # nothing to bootstrap from
    td_error = reward + gamma * q_table[next_obs].max() - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
