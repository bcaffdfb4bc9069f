"""
EXPECT: wrong
MISTAKE: It returns a Python float (.item()), which has no graph to call backward() on.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return -critic(obs, actor(obs)).mean().item()
