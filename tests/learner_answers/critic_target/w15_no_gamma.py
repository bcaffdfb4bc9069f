"""
EXPECT: wrong
MISTAKE: γ is missing: the next value must be discounted by gamma.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        return reward + (1.0 - terminated) * target_critic(next_obs, target_actor(next_obs))
