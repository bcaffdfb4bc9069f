"""
EXPECT: wrong
MISTAKE: Everything is under torch.no_grad(), so the loss has no graph and backward() cannot reach the actor.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    with torch.no_grad():
        return -critic(obs, actor(obs)).mean()
