"""
EXPECT: correct
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    bootstrap = float(not terminated)
    td_error = reward + gamma * bootstrap * q_table[next_obs, next_action] - q_table[obs, action]
    np.add.at(q_table, (obs, action), alpha * td_error)
    return td_error
