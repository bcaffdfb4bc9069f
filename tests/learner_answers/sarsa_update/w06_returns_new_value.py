"""
EXPECT: wrong
MISTAKE: It returns the updated Q(s, a) instead of the TD error.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs, next_action]
    q_table[obs, action] = q_table[obs, action] + alpha * (td_target - q_table[obs, action])
    return q_table[obs, action]
