"""
EXPECT: wrong
MISTAKE: The actor is called under torch.no_grad(), so its action has no graph and the actor gets no gradient.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    with torch.no_grad():
        action = actor(obs)
    q_values = critic(obs, action)
    return -q_values.mean()
