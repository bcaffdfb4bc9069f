"""
EXPECT: wrong
MISTAKE: It sums over the batch instead of averaging, so the step size grows with the batch size.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return -critic(obs, actor(obs)).sum()
