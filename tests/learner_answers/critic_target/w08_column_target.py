"""
EXPECT: wrong
MISTAKE: The target has shape (batch, 1) instead of (batch,).
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_q = target_critic(next_obs, target_actor(next_obs)).unsqueeze(1)  # (batch, 1)
        return reward.unsqueeze(1) + gamma * (1.0 - terminated.unsqueeze(1)) * next_q
