"""
EXPECT: correct
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    if terminated:
        next_value = 0.0
    else:
        next_value = np.max(q_table[next_obs])
    td_error = reward + gamma * next_value - q_table[obs, action]
    q_table[obs, action] = q_table[obs, action] + alpha * td_error
    return td_error
