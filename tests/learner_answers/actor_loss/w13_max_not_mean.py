"""
EXPECT: wrong
MISTAKE: It takes the largest Q of the batch instead of the mean, so only one state's action is improved per step.
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    return -critic(obs, actor(obs)).max()
