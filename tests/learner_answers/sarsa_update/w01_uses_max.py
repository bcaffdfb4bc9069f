"""
EXPECT: wrong
MISTAKE: That is Q-learning: SARSA uses Q(s′, a′) of the next action actually taken, not the max over next actions.
CHECK: check_sarsa_update(sarsa_update)
"""
import numpy as np

def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    td_target = reward + gamma * (1 - terminated) * q_table[next_obs].max()
    td_error = td_target - q_table[obs, action]
    q_table[obs, action] += alpha * td_error
    return td_error
