"""
EXPECT: wrong
MISTAKE: The TD error is written as Q(s, a) − target, the wrong sign, so the update moves Q(s, a) away from the target.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    td_error = q_table[obs, action] - td_target
    q_table[obs, action] += alpha * td_error
    return td_error
