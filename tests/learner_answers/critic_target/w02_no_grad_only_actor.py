"""
EXPECT: wrong
MISTAKE: Only the target actor is under no_grad; the target critic's call is outside it, so the target still carries gradients into the target critic.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_action = target_actor(next_obs)
    next_q = target_critic(next_obs, next_action)
    return reward + gamma * (1.0 - terminated) * next_q
