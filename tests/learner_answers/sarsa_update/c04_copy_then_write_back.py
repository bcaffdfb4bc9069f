"""
EXPECT: correct
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    row = q_table[obs].copy()
    next_value = 0.0 if terminated else q_table[next_obs, next_action]
    td_error = reward + gamma * next_value - row[action]
    row[action] += alpha * td_error
    q_table[obs] = row  # write the changed row back into the table
    return float(td_error)
