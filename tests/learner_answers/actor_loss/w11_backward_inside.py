"""
EXPECT: wrong
MISTAKE: It calls backward() inside the function: the caller's backward then fails (the graph is freed) and the gradients are computed twice.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    loss = -critic(obs, actor(obs)).mean()
    loss.backward()
    return loss
