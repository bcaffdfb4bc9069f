"""
EXPECT: wrong
MISTAKE: ~ on a Python bool is bitwise not (~False is −1, ~True is −2), not logical not: use 1 − terminated or `not terminated`.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (~terminated) * q_table[next_obs].max()
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
