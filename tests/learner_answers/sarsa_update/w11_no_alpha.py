"""
EXPECT: wrong
MISTAKE: It forgets α: Q(s, a) jumps all the way to the target instead of moving a fraction α towards it.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs, next_action]
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] += td_error
    return td_error
