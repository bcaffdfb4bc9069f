"""
EXPECT: correct
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    old = q_table[obs, action]
    target = reward + (0.0 if terminated else gamma * q_table[next_obs, :].max())
    q_table[obs, action] = (1 - alpha) * old + alpha * target
    return float(target - old)
