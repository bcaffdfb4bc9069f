"""
EXPECT: correct
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    best_next = -np.inf
    for a in range(q_table.shape[1]):
        best_next = max(best_next, q_table[next_obs, a])
    mask = 0.0 if terminated else 1.0
    td_error = (reward + gamma * mask * best_next) - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return float(td_error)
