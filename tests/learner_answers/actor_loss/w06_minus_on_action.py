"""
EXPECT: wrong
MISTAKE: The minus sign is applied to the action instead of to Q: −Q(s, μ(s)) is not Q(s, −μ(s)).
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return critic(obs, -actor(obs)).mean()
