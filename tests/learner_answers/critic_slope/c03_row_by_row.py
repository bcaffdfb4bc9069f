"""
EXPECT: correct
CHECK: check_critic_slope(critic_slope)
"""
import torch


def critic_slope(critic: torch.nn.Module, obs: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
    rows = []
    for i in range(len(obs)):
        a_i = action[i:i + 1].detach().clone().requires_grad_(True)
        q_i = critic(obs[i:i + 1], a_i)
        rows.append(torch.autograd.grad(q_i.sum(), a_i)[0][0])
    return torch.stack(rows)
