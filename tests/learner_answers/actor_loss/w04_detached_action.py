"""
EXPECT: wrong
MISTAKE: The action is detached, so the gradient stops at the action and never reaches the actor's parameters.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    action = actor(obs).detach()
    return -critic(obs, action).mean()
