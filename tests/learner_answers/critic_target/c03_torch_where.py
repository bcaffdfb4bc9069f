"""
EXPECT: correct
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_q = target_critic(next_obs, target_actor(next_obs))
    bootstrapped = reward + gamma * next_q
    return torch.where(terminated > 0.5, reward, bootstrapped)
