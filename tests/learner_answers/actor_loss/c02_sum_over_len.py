"""
EXPECT: correct
CHECK: check_actor_loss(actor_loss)
"""
import torch


def actor_loss(actor, critic, obs):
    q_values = critic(obs, actor(obs))  # (batch,)
    return -q_values.sum() / len(obs)
