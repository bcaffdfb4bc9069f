"""
EXPECT: wrong
MISTAKE: Calling torch.no_grad() on its own line does nothing; it only works as `with torch.no_grad():`, so gradients still flow into the targets.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    torch.no_grad()  # no gradient into the targets
    next_q = target_critic(next_obs, target_actor(next_obs))
    return reward + gamma * (1.0 - terminated) * next_q
