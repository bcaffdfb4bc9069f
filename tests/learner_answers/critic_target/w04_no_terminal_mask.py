"""
EXPECT: wrong
MISTAKE: It ignores terminated: a terminal transition still bootstraps from Q′(s′, μ′(s′)).
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        return reward + gamma * target_critic(next_obs, target_actor(next_obs))
