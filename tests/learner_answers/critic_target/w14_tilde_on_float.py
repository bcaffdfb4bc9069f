"""
EXPECT: wrong
MISTAKE: ~ is not defined for a float tensor (TypeError); the mask is 1 − terminated.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_q = target_critic(next_obs, target_actor(next_obs))
        return reward + gamma * (~terminated) * next_q
