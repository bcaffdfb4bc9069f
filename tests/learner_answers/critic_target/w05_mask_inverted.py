"""
EXPECT: wrong
MISTAKE: The mask is inverted: γ·terminated bootstraps only the terminal transitions.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        return reward + gamma * terminated * target_critic(next_obs, target_actor(next_obs))
