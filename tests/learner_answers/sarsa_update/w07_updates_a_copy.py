"""
EXPECT: wrong
MISTAKE: np.array(q_table) makes a copy, so the update never reaches the caller's table: it must change q_table in place.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    q = np.array(q_table)
    td_error = reward + gamma * (1 - terminated) * q[next_obs, next_action] - q[obs, action]
    q[obs, action] += alpha * td_error
    return td_error
