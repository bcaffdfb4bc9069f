"""
EXPECT: correct
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return (-critic(obs, actor(obs))).mean(dim=0)
