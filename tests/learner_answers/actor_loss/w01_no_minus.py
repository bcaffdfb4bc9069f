"""
EXPECT: wrong
MISTAKE: The minus sign is missing: the optimiser minimises, so minimising +Q makes the actor choose the actions the critic likes least.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return critic(obs, actor(obs)).mean()
