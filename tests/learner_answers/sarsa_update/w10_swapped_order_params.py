"""
EXPECT: wrong
MISTAKE: The parameters terminated and next_action are in the wrong order, so a positional call passes the terminated flag as the next action and vice versa.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 terminated: bool, next_action: int, alpha: float, gamma: float) -> float:
    td_error = reward + gamma * (1 - terminated) * q_table[next_obs, next_action] - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
