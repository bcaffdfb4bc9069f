"""
EXPECT: correct
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    future = gamma * (not terminated) * max(q_table[next_obs])
    td_error = reward + future - q_table[obs][action]
    q_table[obs][action] += alpha * td_error  # q_table[obs] is a view, so this writes into the table
    return td_error
