"""
EXPECT: wrong
MISTAKE: Detaching the action stops gradient into the target actor only; the target critic still gets gradients through next_q.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    next_action = target_actor(next_obs).detach()
    next_q = target_critic(next_obs, next_action)
    return reward + gamma * (1.0 - terminated) * next_q
