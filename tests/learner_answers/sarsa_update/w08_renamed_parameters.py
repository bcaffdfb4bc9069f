"""
EXPECT: wrong
MISTAKE: The parameters were renamed (state, next_state, done), so a call by keyword such as sarsa_update(..., terminated=True, ...) fails with a TypeError.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, state: int, action: int, reward: float, next_state: int,
                 next_action: int, done: bool, alpha: float, gamma: float) -> float:
    td_error = reward + gamma * (1 - done) * q_table[next_state, next_action] - q_table[state, action]
    q_table[state, action] += alpha * td_error
    return td_error
