"""
EXPECT: wrong
MISTAKE: The mask also zeroes the reward: a terminal transition's target must be r, not 0.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        return (1 - terminated) * (reward + gamma * target_critic(next_obs, target_actor(next_obs)))
