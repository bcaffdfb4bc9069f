"""
EXPECT: wrong
MISTAKE: It switches off requires_grad on the critic's parameters and never switches it back, so the critic can no longer be trained.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    for p in critic.parameters():
        p.requires_grad_(False)  # only the actor learns here
    return -critic(obs, actor(obs)).mean()
