"""
EXPECT: correct
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    action = actor(obs)
    return torch.mean(torch.neg(critic(obs, action)))
