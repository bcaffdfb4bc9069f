"""
EXPECT: wrong
MISTAKE: It forgets the step size α: Q(s, a) is replaced by the target outright instead of moved a fraction α towards it.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] = td_target
    return td_error
