"""
EXPECT: wrong
MISTAKE: It ignores terminated: a terminal transition must not bootstrap, its target is just r.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    td_error = reward + gamma * q_table[next_obs, next_action] - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
