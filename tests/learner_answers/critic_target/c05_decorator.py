"""
EXPECT: correct
CHECK: check_critic_target(critic_target)
"""
import torch


@torch.no_grad()
def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    next_q = target_critic(next_obs, target_actor(next_obs))
    return reward + gamma * (1.0 - terminated) * next_q
