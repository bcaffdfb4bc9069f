"""
EXPECT: wrong
MISTAKE: The table update is right but the returned TD error has the wrong sign (Q(s, a) − target instead of target − Q(s, a)).
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    q_old = q_table[obs, action]
    q_table[obs, action] += alpha * (td_target - q_old)
    return q_old - td_target
