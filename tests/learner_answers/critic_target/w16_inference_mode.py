"""
EXPECT: wrong
MISTAKE: torch.inference_mode() makes an inference tensor, which cannot be used in the critic's loss: backward() then raises 'Inference tensors cannot be saved for backward'; use torch.no_grad().
CHECK: check_critic_target(critic_target)
"""
import torch


def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
    with torch.inference_mode():  # faster than no_grad
        next_q = target_critic(next_obs, target_actor(next_obs))
        return reward + gamma * (1.0 - terminated) * next_q
