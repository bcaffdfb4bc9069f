"""Exploration noise for deterministic policies (chapter 06).

A deterministic actor μ(s) always takes the same action in the same state, so DDPG explores by
adding noise to it, then clipping the noisy action to the env's bounds:

    a = clip(μ(s) + ε, low, high)

Two kinds of ε are common:

* **Gaussian** (:class:`GaussianNoise`): ε_t ~ N(0, σ²), independent at every step. Simple, and
  what later work (TD3, the RL Zoo) found to work as well as anything else.
* **Ornstein–Uhlenbeck** (:class:`OrnsteinUhlenbeckNoise`), the original DDPG paper's choice:
  ε_{t+1} = ε_t + θ (μ − ε_t) dt + σ √dt · N(0, 1). Its increments are normal and zero-mean
  around the pull towards μ, so ε_t is *correlated in time*: it drifts in one direction for a
  while, which pushes a physical system (a pendulum, a car) further than white noise would.

Both are seeded with a ``numpy.random.Generator`` and produce numpy arrays of shape
``(action_dim,)``; :meth:`reset` starts a new episode. The noise is in the units it is added in
(:mod:`rlcourse.ddpg` adds it to the actor's raw tanh output in [−1, 1], so σ = 0.1 is 10 % of
the half-range of every action dimension).

Example:
    >>> noise = GaussianNoise(action_dim=1, sigma=0.1, rng=np.random.default_rng(0))
    >>> noise().shape
    (1,)
"""

from __future__ import annotations

import math

import numpy as np

from rlcourse.runs import check_range


class GaussianNoise:
    """ε_t ~ N(0, σ² I), independent at every step.

    Args:
        action_dim: length of an action.
        sigma: standard deviation σ, >= 0.
        rng: the generator the noise is drawn from (seed it for reproducible runs).
    """

    def __init__(self, action_dim: int, sigma: float = 0.1, *, rng: np.random.Generator | None = None) -> None:
        check_range("action_dim", action_dim, 1)
        check_range("sigma", sigma, 0)
        self.action_dim, self.sigma = int(action_dim), float(sigma)
        self.rng = np.random.default_rng() if rng is None else rng

    def reset(self) -> None:
        """Nothing to reset: Gaussian noise has no state."""

    def __call__(self) -> np.ndarray:
        return self.sigma * self.rng.standard_normal(self.action_dim)  # (action_dim,)

    def __repr__(self) -> str:
        return f"GaussianNoise(action_dim={self.action_dim}, sigma={self.sigma})"


class OrnsteinUhlenbeckNoise:
    """Temporally correlated noise, the Euler–Maruyama discretisation of an OU process:

        ε_{t+1} = ε_t + θ (μ − ε_t) dt + σ √dt · ξ_t,     ξ_t ~ N(0, I)

    θ pulls ε back to its mean μ (here 0); σ sets the size of the (normal, zero-mean) random
    increments. With a = 1 − θ dt the lag-k autocorrelation of the stationary process is a^k and
    its stationary standard deviation is σ √dt / √(1 − a²).

    Args:
        action_dim: length of an action.
        sigma: σ, >= 0.
        theta: θ, the mean reversion rate, with 0 < θ dt <= 1.
        dt: the time step.
        mu: the mean μ the noise reverts to.
        rng: the generator the increments are drawn from.
    """

    def __init__(self, action_dim: int, sigma: float = 0.2, theta: float = 0.15, dt: float = 1e-2,
                 mu: float = 0.0, *, rng: np.random.Generator | None = None) -> None:
        check_range("action_dim", action_dim, 1)
        check_range("sigma", sigma, 0)
        check_range("theta", theta, 0, low_open=True)
        check_range("dt", dt, 0, low_open=True)
        check_range("theta * dt", theta * dt, 0, 1, low_open=True)
        self.action_dim, self.sigma, self.theta, self.dt, self.mu = \
            int(action_dim), float(sigma), float(theta), float(dt), float(mu)
        self.rng = np.random.default_rng() if rng is None else rng
        self.state = np.full(self.action_dim, self.mu)  # ε_t, (action_dim,)

    def reset(self) -> None:
        """Start a new episode: ε ← μ."""
        self.state = np.full(self.action_dim, self.mu)

    def __call__(self) -> np.ndarray:
        increment = (self.theta * (self.mu - self.state) * self.dt
                     + self.sigma * math.sqrt(self.dt) * self.rng.standard_normal(self.action_dim))
        self.state = self.state + increment
        return self.state.copy()  # (action_dim,)

    @property
    def stationary_std(self) -> float:
        """The standard deviation the process settles to, σ √dt / √(1 − (1 − θ dt)²)."""
        a = 1.0 - self.theta * self.dt
        return self.sigma * math.sqrt(self.dt) / math.sqrt(1.0 - a * a) if a < 1 else self.sigma

    def __repr__(self) -> str:
        return (f"OrnsteinUhlenbeckNoise(action_dim={self.action_dim}, sigma={self.sigma}, "
                f"theta={self.theta}, dt={self.dt}, mu={self.mu})")


class DecayingOffsetNoise:
    """Not random at all: ε = σ / (1 + i) on every action dimension, i = the episode's index.

    The exploration of early DDPG code for Pendulum (pemami4911's ``actor.predict(s) + 1. / (1. +
    i)``, σ = 1 N·m there): a push in one direction that halves after the first episode and is
    gone after a few dozen. Kept to show what it costs; it explores one side of the action
    range only, less and less.

    Args:
        action_dim: length of an action.
        sigma: σ, the offset of the first episode, >= 0.
    """

    def __init__(self, action_dim: int, sigma: float = 1.0) -> None:
        check_range("action_dim", action_dim, 1)
        check_range("sigma", sigma, 0)
        self.action_dim, self.sigma = int(action_dim), float(sigma)
        self.episode = 0  # i
        self._resets = 0

    def reset(self) -> None:
        """Start a new episode: the first reset starts episode 0, each later one i + 1."""
        self._resets += 1
        self.episode = self._resets - 1

    def __call__(self) -> np.ndarray:
        return np.full(self.action_dim, self.sigma / (1.0 + self.episode))  # (action_dim,)

    def __repr__(self) -> str:
        return f"DecayingOffsetNoise(action_dim={self.action_dim}, sigma={self.sigma})"


def make_noise(kind: str, action_dim: int, sigma: float, *, rng: np.random.Generator,
               theta: float = 0.15, dt: float = 1e-2
               ) -> GaussianNoise | OrnsteinUhlenbeckNoise | DecayingOffsetNoise:
    """``"gaussian"``, ``"ou"`` or ``"decaying"`` noise of scale ``sigma`` (for OU, σ is the
    *stationary* std; for ``"decaying"``, the first episode's offset).

    Giving Gaussian and OU noise the same stationary standard deviation makes a comparison between
    them fair: only the correlation in time differs.
    """
    if kind == "decaying":
        return DecayingOffsetNoise(action_dim, sigma)
    if kind == "gaussian":
        return GaussianNoise(action_dim, sigma, rng=rng)
    if kind == "ou":
        a = 1.0 - theta * dt
        increment_sigma = sigma * math.sqrt(1.0 - a * a) / math.sqrt(dt)
        return OrnsteinUhlenbeckNoise(action_dim, increment_sigma, theta, dt, rng=rng)
    raise ValueError(f"noise must be 'gaussian', 'ou' or 'decaying', got {kind!r}")
