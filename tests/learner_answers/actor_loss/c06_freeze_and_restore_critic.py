"""
EXPECT: correct
CHECK: check_actor_loss(actor_loss)
NOTE: the critic gets no .grad from this loss; the actor's gradient is the same
"""
import torch


def actor_loss(actor, critic, obs):
    flags = [p.requires_grad for p in critic.parameters()]
    for p in critic.parameters():
        p.requires_grad_(False)  # the actor's loss should not fill the critic's gradients
    loss = -critic(obs, actor(obs)).mean()
    for p, flag in zip(critic.parameters(), flags):
        p.requires_grad_(flag)
    return loss
