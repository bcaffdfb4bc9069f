"""
EXPECT: wrong
MISTAKE: It ignores terminated: a terminal transition still adds γ·max Q(s′, ·), but a terminal state has no future and its target is just r.
CHECK: check_q_learning_update(q_learning_update)
"""
import numpy as np

def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * q_table[next_obs].max()
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
