"""
EXPECT: wrong
MISTAKE: It updates a copy of the table, so the caller's q_table never changes: the update must be in place.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    q_table = q_table.copy()
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
