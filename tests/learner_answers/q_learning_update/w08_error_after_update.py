"""
EXPECT: wrong
MISTAKE: The TD error is recomputed after the update, so it returns the remaining error (1 − α)·δ instead of δ.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    q_table[obs, action] += alpha * (td_target - q_table[obs, action])
    return td_target - q_table[obs, action]
