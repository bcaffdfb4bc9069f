"""
EXPECT: wrong
MISTAKE: The critic's arguments are swapped (action, obs): it must be target_critic(next_obs, next_action), and since the widths still add up no error warns you.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.no_grad():
        next_q = target_critic(target_actor(next_obs), next_obs)
        return reward + gamma * (1.0 - terminated) * next_q
