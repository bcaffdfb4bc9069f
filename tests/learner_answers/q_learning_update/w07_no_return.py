"""
EXPECT: wrong
MISTAKE: The update is right but nothing is returned (None): the function must return the TD error.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
