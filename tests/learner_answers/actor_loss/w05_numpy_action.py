"""
EXPECT: wrong
MISTAKE: The numpy round trip of the action cuts the graph: the gradient cannot flow from the critic back into the actor.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    action = torch.as_tensor(actor(obs).detach().numpy())
    return -critic(obs, action).mean()
