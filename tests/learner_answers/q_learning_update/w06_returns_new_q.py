"""
EXPECT: wrong
MISTAKE: It returns the new Q(s, a) instead of the TD error.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    q_table[obs, action] += alpha * (td_target - q_table[obs, action])
    return q_table[obs, action]
