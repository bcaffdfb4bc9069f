"""
EXPECT: wrong
MISTAKE: γ also discounts the reward: the target is r + γ(1 − terminated)Q′, with r undiscounted.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_q = target_critic(next_obs, target_actor(next_obs))
        return gamma * (reward + (1.0 - terminated) * next_q)
