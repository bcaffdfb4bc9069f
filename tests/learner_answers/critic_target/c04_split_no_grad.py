"""
EXPECT: correct
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_action = target_actor(next_obs)          # mu'(s')
        next_q = target_critic(next_obs, next_action)  # Q'(s', mu'(s'))
    not_done = 1.0 - terminated
    return reward + not_done * gamma * next_q
