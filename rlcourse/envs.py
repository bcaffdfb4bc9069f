"""Environments, seeding, rollouts and greedy evaluation (chapter 00 and every chapter after it).

The course keeps three rules here that every algorithm relies on:

* one seed drives everything: Python's ``random``, numpy, torch, the env's ``reset`` and its
  action space (:func:`seed_everything`, :func:`make_env`);
* a rollout never runs forever: :func:`rollout` has a hard step cap, because some envs
  (CliffWalking-v1) have no time limit and a bad policy must not hang a notebook or CI;
* evaluation is greedy, on held-out seeds that training never sees (:func:`evaluate`).

Example:
    >>> from rlcourse.envs import make_env, evaluate
    >>> result = evaluate("CartPole-v1", lambda obs: 0, episodes=3)
    >>> len(result.returns)
    3
"""

from __future__ import annotations

import difflib
import os
import random
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from rlcourse.i18n import _

# pygame (which renders the classic-control envs) asks SDL for a display it does not need for
# rgb_array frames; the dummy driver keeps it quiet on headless machines and in CI.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import gymnasium as gym  # noqa: E402  (after SDL_VIDEODRIVER on purpose)

#: the package's own envs, registered by name wherever rlcourse.envs is imported (its module is
#: imported only when one is made): a sweep's worker process, which has imported nothing of the
#: notebook that asked for the env, can then make it too
PACKAGE_ENVS: dict[str, dict[str, Any]] = {
    "rlcourse/NoisyChain-v0": dict(entry_point="rlcourse.overestimation:NoisyChainEnv"),
    "rlcourse/Corridor-v0": dict(entry_point="rlcourse.corridor:CorridorEnv", max_episode_steps=100),
    "rlcourse/CartPoleMorvanReward-v1": dict(entry_point="rlcourse.shaping:make_cartpole_morvan_reward",
                                             disable_env_checker=True, order_enforce=False),
}
for _env_id, _spec in PACKAGE_ENVS.items():
    if _env_id not in gym.registry:
        gym.register(_env_id, **_spec)

#: Mean greedy return at which an env counts as solved. CartPole's 475 is gymnasium's; Pendulum's
#: -200 is our convention (gymnasium sets none); FrozenLake is a success rate; Taxi's 7.8 sits under
#: the true optimum 7.93 (the registry's 8 is not a fair gate); -13 is CliffWalking's optimal path.
#: The corridor's 5 lies between doing nothing (0) and pushing through to the door (about 8).
SOLVED_THRESHOLDS: dict[str, float] = {
    "CartPole-v1": 475.0,
    "Pendulum-v1": -200.0,
    "FrozenLake-v1": 0.70,
    "FrozenLake8x8-v1": 0.85,
    "Taxi-v4": 7.8,
    "CliffWalking-v1": -13.0,
    "Acrobot-v1": -100.0,
    "MountainCar-v0": -110.0,
    "MountainCarContinuous-v0": 90.0,
    "rlcourse/Corridor-v0": 5.0,
}

#: First seed of the episodes used for final greedy evaluation. Training seeds are small integers
#: (0, 1, 2, ...), so evaluation never replays an episode start that training saw.
HELDOUT_SEED = 1_000_000
#: First seed of the periodic evaluations made during training (kept apart from the final ones,
#: so choosing when a run is "solved" does not peek at the episodes that grade it).
VALIDATION_SEED = 2_000_000

#: Hard cap on the length of any rollout, for envs without a time limit.
DEFAULT_MAX_STEPS = 10_000

Policy = Callable[[Any], Any]


class UnknownEnvError(ValueError):
    """Raised for an env id that gymnasium does not know; the message suggests close ids."""


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python's ``random``, numpy's global generator and torch, and return a fresh generator.

    Args:
        seed: any non-negative integer.

    Returns:
        ``np.random.default_rng(seed)``, for code that prefers an explicit generator.
    """
    import torch

    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(_("seed must be a non-negative integer, got {seed}").format(seed=repr(seed)))
    seed = int(seed)  # Python's random.seed refuses numpy integers
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


@contextmanager
def torch_cpu_settings(num_threads: int) -> Iterator[None]:
    """Train with ``num_threads`` torch threads and denormal floats flushed to zero; restore after.

    Why flush: Adam keeps running averages of each weight's gradient and squared gradient, decayed
    by β₁ = 0.9 and β₂ = 0.999 every step. Where a gradient stays zero (a ReLU unit that never
    fires), they shrink into the *denormal* floats below 1.2e-38 and stay there (0.9 times the
    smallest denormal rounds back to it). x86 CPUs compute on denormals many times slower, and
    every Adam step then pays for it; flushing gives bit-identical weights (a denormal moves a
    weight by less than float32 can show) in about two thirds of the time (measured:
    ``benchmarks/results/TUNING.md``). The flag belongs to the calling thread; it is switched off again
    afterwards (torch's default), and ``torch.set_flush_denormal`` is a no-op where unsupported.
    """
    import torch

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    flushing = torch.set_flush_denormal(True)  # False on a CPU without the flag
    try:
        yield
    finally:
        torch.set_num_threads(previous_threads)
        if flushing:
            torch.set_flush_denormal(False)


def make_env(env_id: str, *, seed: int | None = None, render_mode: str | None = None,
             **kwargs: Any) -> gym.Env:
    """Make a gymnasium env, with a clear error for an id that does not exist.

    Args:
        env_id: a registered id such as ``"CartPole-v1"``.
        seed: if given, the env is reset with it and its action space seeded with it, so that
            ``env.action_space.sample()`` is reproducible too.
        render_mode: ``"rgb_array"`` for frames (works headless), or None.
        **kwargs: passed to ``gymnasium.make`` (for example ``is_slippery=False``).

    Raises:
        UnknownEnvError: the id is not registered; the message names close ids.
    """
    if env_id not in gym.registry:
        close = difflib.get_close_matches(env_id, list(gym.registry), n=3, cutoff=0.5)
        if close:
            message = _("Unknown environment id {env_id}. Did you mean {close}? "
                        "gymnasium.pprint_registry() lists every id.")
        else:
            message = _("Unknown environment id {env_id}. gymnasium.pprint_registry() lists every id.")
        raise UnknownEnvError(message.format(env_id=repr(env_id), close=", ".join(repr(c) for c in close)))
    env = gym.make(env_id, render_mode=render_mode, **kwargs)
    if seed is not None:
        env.reset(seed=seed)
        env.action_space.seed(seed)
    return env


@contextmanager
def open_env(env: gym.Env | str, **kwargs: Any) -> Iterator[gym.Env]:
    """Use ``env`` itself, or for an env id a new env (:func:`make_env`) closed after the block.

    Functions that accept "an env or an env id" open it with this, so an env the caller passed
    in stays open and one made here never leaks.
    """
    if not isinstance(env, str):
        yield env
        return
    with make_env(env, **kwargs) as made:
        yield made


def require_action_space(env: gym.Env, kind: type[gym.spaces.Space], algo: str, instead: str) -> None:
    """Stop at once, with a reason, when an algorithm meets an action space it cannot handle.

    Args:
        env: the env the algorithm was given.
        kind: ``gym.spaces.Discrete`` or ``gym.spaces.Box``.
        algo: the algorithm's name, for the message.
        instead: the algorithm to use instead, for the message.
    """
    if not isinstance(env.action_space, kind):
        have = type(env.action_space).__name__
        env_id = env.spec.id if env.spec else type(env.unwrapped).__name__
        raise ValueError(_("{algo} needs a {kind} action space, but {env_id} has {have} ({space}). "
                           "Use {instead} for this environment.").format(
                               algo=algo, kind=kind.__name__, env_id=env_id, have=have,
                               space=env.action_space, instead=instead))


@dataclass(frozen=True)
class Episode:
    """What one rollout produced."""

    episode_return: float
    length: int
    terminated: bool
    truncated: bool
    capped: bool  # stopped by our own step cap, not by the env


def rollout(env: gym.Env, policy: Policy, *, seed: int | None = None,
            max_steps: int = DEFAULT_MAX_STEPS) -> Episode:
    """Play one episode with ``policy`` and return its undiscounted return.

    Args:
        env: a gymnasium env.
        policy: maps an observation to an action.
        seed: passed to ``env.reset``; None continues the env's own random stream.
        max_steps: hard cap; the episode is cut there even if the env has no time limit.
    """
    obs, _ = env.reset(seed=seed)
    episode_return, terminated, truncated = 0.0, False, False
    for step in range(1, max_steps + 1):
        obs, reward, terminated, truncated, _ = env.step(policy(obs))
        episode_return += float(reward)
        if terminated or truncated:
            return Episode(episode_return, step, bool(terminated), bool(truncated), capped=False)
    return Episode(episode_return, max_steps, False, False, capped=True)


@dataclass(frozen=True)
class EvalResult:
    """Greedy evaluation returns and their summary."""

    returns: list[float]

    @property
    def mean_return(self) -> float:
        return float(np.mean(self.returns))

    @property
    def std_return(self) -> float:
        return float(np.std(self.returns))

    def to_dict(self) -> dict[str, Any]:
        return {"episodes": len(self.returns), "returns": list(self.returns),
                "mean_return": self.mean_return, "std_return": self.std_return}


def evaluate(env: gym.Env | str, policy: Policy, *, episodes: int = 20, seed: int = HELDOUT_SEED,
             max_steps: int = DEFAULT_MAX_STEPS) -> EvalResult:
    """Evaluate a greedy policy on held-out seeds ``seed, seed + 1, ...``.

    The policy must already be greedy (no exploration): pass ``agent.act`` or a greedy
    table lookup, never the epsilon-greedy or noisy behaviour policy.

    Args:
        env: an env or an env id (made fresh, then closed).
        policy: maps an observation to an action.
        episodes: how many episodes.
        seed: the first reset seed; defaults to :data:`HELDOUT_SEED`, far from training seeds.
        max_steps: per-episode hard cap.
    """
    if episodes < 1:
        raise ValueError(_("episodes must be at least 1, got {episodes}").format(episodes=episodes))
    with open_env(env) as env:
        returns = [rollout(env, policy, seed=seed + i, max_steps=max_steps).episode_return
                   for i in range(episodes)]
    return EvalResult(returns)


def extend_evaluation(env: gym.Env | str, policy: Policy, result: EvalResult, *, episodes: int,
                      seed: int = VALIDATION_SEED) -> EvalResult:
    """``result``, an :func:`evaluate` of ``policy`` from ``seed``, extended to ``episodes``
    episodes: the same as evaluating them all, without playing the first ones again."""
    more = episodes - len(result.returns)
    if more <= 0:
        return result
    return EvalResult(list(result.returns)
                      + evaluate(env, policy, episodes=more, seed=seed + len(result.returns)).returns)


def random_policy(env: gym.Env) -> Policy:
    """A uniformly random policy drawing from the env's (seedable) action space."""
    return lambda obs: env.action_space.sample()
