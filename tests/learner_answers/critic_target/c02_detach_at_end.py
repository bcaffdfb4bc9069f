"""
EXPECT: correct
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    next_action = target_actor(next_obs)
    next_q = target_critic(next_obs, next_action)
    return (reward + gamma * (1 - terminated) * next_q).detach()
