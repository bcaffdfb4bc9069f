"""Small seeded networks the DDPG-side catalogues (chapters 05 and 06) build their cases from."""

from __future__ import annotations


def actor(seed: int):
    """The course's actor for Pendulum-sized inputs: obs (B, 3) -> action (B, 1) in [-2, 2]."""
    import torch

    from rlcourse.networks import Actor

    torch.manual_seed(seed)
    return Actor(3, [-2.0], [2.0], hidden=(8,))


def critic(seed: int):
    """The course's critic: Q(obs (B, 3), action (B, 1)) -> (B,)."""
    import torch

    from rlcourse.networks import Critic

    torch.manual_seed(seed)
    return Critic(3, 1, hidden=(8,))
