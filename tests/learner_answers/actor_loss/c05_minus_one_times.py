"""
EXPECT: correct
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    q = critic(obs, actor(obs))
    return (-1.0 * q).mean()
