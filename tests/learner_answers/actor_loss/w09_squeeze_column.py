"""
EXPECT: wrong
MISTAKE: The critic already returns (batch,), so squeeze(1) raises an IndexError.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return -critic(obs, actor(obs)).squeeze(1).mean()
