"""
EXPECT: wrong
MISTAKE: The TD error has the wrong sign (Q(s, a) − target), so the update moves away from the target.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    td_error = q_table[obs, action] - (reward + gamma * (1 - terminated) * q_table[next_obs, next_action])
    q_table[obs, action] += alpha * td_error
    return td_error
