"""
EXPECT: wrong
MISTAKE: There is no torch.no_grad() or detach: the target keeps a graph into the target actor and critic, so gradients flow into the targets.
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    next_q = target_critic(next_obs, target_actor(next_obs))
    return reward + gamma * (1.0 - terminated) * next_q
