"""
EXPECT: wrong
MISTAKE: Turning off gradients on next_obs does not stop them into the target networks' parameters; the networks must be called under torch.no_grad().
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    next_obs = next_obs.detach().requires_grad_(False)  # the target must not get gradients
    next_q = target_critic(next_obs, target_actor(next_obs))
    return reward + gamma * (1.0 - terminated) * next_q
