"""
EXPECT: wrong
MISTAKE: torch.tensor(loss.item(), requires_grad=True) is a new leaf with no connection to the actor: backward() gives the actor no gradient.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    loss = -critic(obs, actor(obs)).mean()
    return torch.tensor(loss.item(), requires_grad=True)
