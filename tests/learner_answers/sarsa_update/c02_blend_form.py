"""
EXPECT: correct
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    target = reward if terminated else reward + gamma * q_table[next_obs][next_action]
    old = q_table[obs, action]
    q_table[obs, action] = (1.0 - alpha) * old + alpha * target
    return target - old
