"""Deep Deterministic Policy Gradient: Q-learning for continuous actions (chapters 05 and 06).

DQN picks a' by ``argmax`` over a handful of actions; with a continuous action there is no list to
take the max over. DDPG learns a second network, the **actor** μ(s; θ), that outputs the action
the **critic** Q(s, a; φ) rates highest, and trains it by climbing the critic:

    y       = r + γ (1 − terminated) Q'(s', μ'(s'))                 (critic_target, no gradient)
    L(φ)    = mean over the batch of (Q(s, a; φ) − y)²               (critic_loss, MSE)
    J(θ)    = E[Q(s, μ(s; θ))],   ∇θ J = E[∇a Q(s, a)|a=μ(s) ∇θ μ(s)]  (actor_loss = −J)
    φ', θ'  ← τ φ + (1 − τ) φ',  τ θ + (1 − τ) θ'                   (soft target updates)

Q' and μ' are the target critic and target actor. Only ``terminated`` stops the bootstrap: every
Pendulum episode ends by its 200-step time limit, a *truncation*, and storing it as terminal (the
``truncation_as_terminal`` option, kept only to show the bug) teaches the critic that the future
ends at an arbitrary clock tick.

The reading order of this file is the order of the chapter: the lines the notebooks write inline
(:func:`critic_target`, :func:`critic_loss`, :func:`actor_loss`; the actor's
:func:`~rlcourse.networks.scale_action` lives beside the actor), the whole update
(:func:`ddpg_update`), the configuration (:class:`DDPGConfig`, :data:`TUNED`), the agent
(:class:`DDPGAgent`) and the training loop (:func:`train`), then checkpoints and the CLI hooks.

Example:
    >>> run = train("Pendulum-v1", seed=0)                                   # doctest: +SKIP
    >>> evaluate("Pendulum-v1", run.agent.act, episodes=20).mean_return      # doctest: +SKIP
    -150.3
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.checkpoints import load_checkpoint, model_dir, read_meta, save_checkpoint
from rlcourse.envs import make_env, require_action_space, seed_everything, torch_cpu_settings
from rlcourse.networks import Actor, Critic, NumpyForward, scale_action, select_device, soft_update
from rlcourse.noise import make_noise
from rlcourse.replay import Batch, ReplayBuffer, check_batch_shape
# NonFiniteLossError: what train raises (through loop.diverged), so callers can catch it from here
from rlcourse.runs import Metrics, NonFiniteLossError, apply_overrides, check_range
from rlcourse.training import Run, TrainingLoop, resume_from_checkpoint, write_run

# --- the lines the notebooks write inline first ---------------------------------------------------


def critic_target(target_actor: torch.nn.Module, target_critic: torch.nn.Module,
                  reward: torch.Tensor, next_obs: torch.Tensor, terminated: torch.Tensor,
                  gamma: float) -> torch.Tensor:
    """The critic's regression target, computed without gradient.

        y = r + γ (1 − terminated) Q'(s', μ'(s'))

    Symbols: r = ``reward`` ``(batch,)``; s' = ``next_obs`` ``(batch, obs_dim)``; μ' =
    ``target_actor``, Q' = ``target_critic`` (returning ``(batch,)``); ``terminated``
    ``(batch,)`` float, 1.0 only where s' is terminal; a truncated transition (a time limit)
    keeps its bootstrap. γ = ``gamma``.

    Returns:
        ``(batch,)``, detached from every graph.

    Raises:
        ValueError: a ``reward``, ``terminated`` or critic output that is not ``(batch,)``: a
            ``(batch, 1)`` column against a ``(batch,)`` row broadcasts to ``(batch, batch)``.
    """
    batch_size = next_obs.shape[0]
    for name, tensor in (("reward", reward), ("terminated", terminated)):
        check_batch_shape(name, tensor, batch_size)
    with torch.no_grad():
        next_q = target_critic(next_obs, target_actor(next_obs))  # (batch,)
        check_batch_shape("target_critic(next_obs, target_actor(next_obs))", next_q, batch_size)
        return reward + gamma * (1.0 - terminated) * next_q  # (batch,)


def critic_loss(q_pred: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    """The critic's loss: mean squared error between the prediction Q(s, a; φ) and the target.

        L(φ) = mean over the batch of (Q(s, a; φ) − y)²

    Symbols: Q(s, a; φ) = ``q_pred`` ``(batch,)``, the critic's value of the stored actions
    ``critic(obs, action)``; y = ``td_target`` ``(batch,)`` from :func:`critic_target`. The
    gradient flows into the critic through ``q_pred`` only: the target is a fixed label.

    Returns:
        A scalar tensor.

    Raises:
        ValueError: a ``q_pred`` or ``td_target`` that is not ``(batch,)``.
    """
    batch_size = q_pred.shape[0] if q_pred.ndim else 0
    check_batch_shape("q_pred", q_pred, batch_size)
    check_batch_shape("td_target", td_target, batch_size)
    return F.mse_loss(q_pred, td_target)


def actor_loss(actor: torch.nn.Module, critic: torch.nn.Module, obs: torch.Tensor) -> torch.Tensor:
    """The actor's loss: minus the critic's value of the actor's own actions.

        L(θ) = −mean over the batch of Q(s, μ(s; θ))
        ∇θ J = E[∇a Q(s, a)|a=μ(s) ∇θ μ(s)]     (the deterministic policy gradient, J = −L)

    Autograd applies the chain rule through ``critic`` into ``actor``; only the actor's optimiser
    steps on it, so the critic's own gradients from this loss are discarded (zeroed before its
    next step).

    Args:
        actor: μ, ``(batch, obs_dim) -> (batch, action_dim)``.
        critic: Q, ``(batch, obs_dim), (batch, action_dim) -> (batch,)``.
        obs: s, ``(batch, obs_dim)``.

    Returns:
        A scalar tensor.
    """
    return -critic(obs, actor(obs)).mean()


# --- the whole update -----------------------------------------------------------------------------


class UpdateInfo(NamedTuple):
    """What one :func:`ddpg_update` reports."""

    critic_loss: float
    actor_loss: float
    q_mean: float  # mean of Q(s, a; φ) over the batch


def ddpg_update(actor: torch.nn.Module, critic: torch.nn.Module, target_actor: torch.nn.Module,
                target_critic: torch.nn.Module, actor_optimizer: torch.optim.Optimizer,
                critic_optimizer: torch.optim.Optimizer, batch: Batch, *, gamma: float,
                tau: float) -> UpdateInfo:
    """One DDPG update on a mini-batch: critic step, actor step, soft target updates.

        y   = r + γ (1 − terminated) Q'(s', μ'(s'))       (target actor and critic, no gradient)
        φ   ← φ − lr_Q ∇φ mean (Q(s, a; φ) − y)²          (critic_loss: MSE, Adam)
        θ   ← θ − lr_μ ∇θ (−mean Q(s, μ(s; θ); φ))        (actor: climb the updated critic)
        φ'  ← τ φ + (1 − τ) φ',   θ' ← τ θ + (1 − τ) θ'   (τ = weight of the online network)

    Args:
        actor, critic: the online networks μ(·; θ) and Q(·, ·; φ).
        target_actor, target_critic: their lagging copies μ' and Q'.
        actor_optimizer, critic_optimizer: optimise the actor's and the critic's parameters.
        batch: a :class:`~rlcourse.replay.Batch` with ``action`` ``(batch, action_dim)``.
        gamma: discount factor γ.
        tau: weight of the online network in the soft updates, in (0, 1].
    """
    target = critic_target(target_actor, target_critic, batch.reward, batch.next_obs,
                           batch.terminated, gamma)  # (batch,)
    q_pred = critic(batch.obs, batch.action)  # (batch,)
    loss_critic = critic_loss(q_pred, target)
    critic_optimizer.zero_grad()
    loss_critic.backward()
    critic_optimizer.step()

    loss_actor = actor_loss(actor, critic, batch.obs)
    actor_optimizer.zero_grad()
    loss_actor.backward()  # also fills the critic's .grad; the critic's zero_grad clears it next time
    actor_optimizer.step()

    soft_update(target_critic, critic, tau)
    soft_update(target_actor, actor, tau)
    return UpdateInfo(loss_critic.item(), loss_actor.item(), q_pred.detach().mean().item())


# --- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DDPGConfig:
    """Hyperparameters of DDPG (validated when built; a bad value raises ``ValueError`` naming it)."""

    #: training budget in env steps (``--steps`` on the command line overrides it)
    steps: int = 20_000
    #: hidden layer sizes of the actor
    actor_hidden: tuple[int, ...] = (64, 64)
    #: hidden layer sizes of the critic
    critic_hidden: tuple[int, ...] = (64, 64)
    #: Adam learning rate of the actor, > 0
    actor_lr: float = 1e-3
    #: Adam learning rate of the critic, > 0
    critic_lr: float = 1e-3
    #: discount factor γ, in [0, 1]
    gamma: float = 0.99
    #: weight of the online networks in the soft target updates, in (0, 1]
    tau: float = 0.005
    #: replay buffer capacity in transitions, >= ``batch_size``
    buffer_size: int = 100_000
    #: transitions per mini-batch
    batch_size: int = 128
    #: env steps with uniformly random actions before the first update (fills the buffer)
    learning_starts: int = 1_000
    #: one round of updates every this many env steps
    train_every: int = 1
    #: gradient steps per round of updates (train_every = gradient_steps = k: k updates every k steps)
    gradient_steps: int = 1
    #: exploration noise: "gaussian" (independent each step), "ou" (Ornstein–Uhlenbeck, correlated)
    #: or "decaying" (σ / (1 + episode), not random: early DDPG code's, kept to show what it costs)
    noise: str = "gaussian"
    #: standard deviation of the noise on the actor's raw output in [−1, 1] (for "ou": its
    #: stationary std), >= 0; 0.1 is 10 % of each action's half-range
    noise_sigma: float = 0.1
    #: Ornstein–Uhlenbeck mean reversion θ, > 0 (with ``ou_dt``: lag-1 autocorrelation 1 − θ dt)
    ou_theta: float = 0.15
    #: Ornstein–Uhlenbeck time step dt, > 0, with θ dt <= 1
    ou_dt: float = 0.01
    #: THE BUG, for demonstration only: store time-limit truncations as terminal, so the critic
    #: target drops the bootstrap at Pendulum's 200-step limit. Leave it False.
    truncation_as_terminal: bool = False
    #: THE BUG, for demonstration only: send the actor's tanh output in [−1, 1] to the env
    #: unscaled (on Pendulum at most 1 of its 2 N·m). Leave it False.
    unscaled_actor: bool = False
    #: cut training episodes after this many steps (a truncation) instead of at the env's own time
    #: limit (None); periodic and final evaluations keep the env's own limit
    time_limit: int | None = None
    #: greedy evaluation (no noise) on validation seeds every this many env steps (0: never)
    eval_every: int = 2_000
    #: episodes per periodic evaluation
    eval_episodes: int = 5
    #: episodes of the final greedy evaluation on held-out seeds (``eval.json``)
    final_eval_episodes: int = 20
    #: torch CPU threads during training (1 is fastest for networks this small)
    num_threads: int = 1
    #: "cpu", "cuda" or "auto"
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_range("steps", self.steps, 1)
        for name in ("actor_hidden", "critic_hidden"):
            hidden = getattr(self, name)
            if not hidden or any(not isinstance(h, int) or h < 1 for h in hidden):
                raise ValueError(f"{name} must be a non-empty tuple of positive ints, got {hidden!r}")
        check_range("actor_lr", self.actor_lr, 0, low_open=True)
        check_range("critic_lr", self.critic_lr, 0, low_open=True)
        check_range("gamma", self.gamma, 0, 1)
        check_range("tau", self.tau, 0, 1, low_open=True)
        check_range("buffer_size", self.buffer_size, 1)
        check_range("batch_size", self.batch_size, 1, self.buffer_size)
        check_range("learning_starts", self.learning_starts, 0)
        check_range("train_every", self.train_every, 1)
        check_range("gradient_steps", self.gradient_steps, 1)
        if self.noise not in ("gaussian", "ou", "decaying"):
            raise ValueError(f"noise must be 'gaussian', 'ou' or 'decaying', got {self.noise!r}")
        check_range("noise_sigma", self.noise_sigma, 0)
        check_range("ou_theta", self.ou_theta, 0, low_open=True)
        check_range("ou_dt", self.ou_dt, 0, low_open=True)
        if not self.ou_theta * self.ou_dt <= 1:
            raise ValueError(f"ou_theta * ou_dt must be at most 1, got {self.ou_theta * self.ou_dt:g}")
        if self.time_limit is not None:
            check_range("time_limit", self.time_limit, 1)
        check_range("eval_every", self.eval_every, 0)
        check_range("eval_episodes", self.eval_episodes, 1)
        check_range("final_eval_episodes", self.final_eval_episodes, 1)
        check_range("num_threads", self.num_threads, 1)
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")


#: Tuned defaults per env: overrides of :class:`DDPGConfig` (``rlcourse train ddpg`` uses them).
#: How each was found and what it measured: ``benchmarks/results/TUNING.md``.
#:
#: Pendulum-v1: half the RL Zoo's budget (a longer one gave no better greedy return), fewer random
#: steps first, and 64-64 networks, which cost several times less per update than the Zoo's; one
#: update every second env step, half the cost per step of one every step at the same final return
#: (TUNING.md).
#: MountainCarContinuous-v0: its reward punishes effort and pays only at the flag, so a small
#: actor learns "do nothing" unless exploration is strong and correlated in time: OU noise with
#: a large stationary std.
#: rlcourse/Corridor-v0 (:mod:`rlcourse.corridor`): the same trap at a few thousand steps, with
#: MountainCarContinuous' noise; chapter 06 takes the noise out there.
TUNED: dict[str, dict[str, Any]] = {
    "Pendulum-v1": dict(steps=10_000, actor_hidden=(64, 64), critic_hidden=(64, 64),
                        actor_lr=1e-3, critic_lr=1e-3, gamma=0.98, tau=0.01, batch_size=128,
                        buffer_size=20_000, learning_starts=1_000, noise="gaussian",
                        noise_sigma=0.1, train_every=2, eval_every=2_000, eval_episodes=5),
    "MountainCarContinuous-v0": dict(steps=50_000, actor_hidden=(64, 64), critic_hidden=(64, 64),
                                     actor_lr=1e-3, critic_lr=1e-3, gamma=0.99, tau=0.005,
                                     batch_size=128, buffer_size=50_000, learning_starts=1_000,
                                     noise="ou", noise_sigma=0.5, ou_theta=0.15, ou_dt=0.1,
                                     eval_every=5_000, eval_episodes=5),
    "rlcourse/Corridor-v0": dict(steps=3_000, actor_hidden=(64, 64), critic_hidden=(64, 64),
                                 actor_lr=1e-3, critic_lr=1e-3, gamma=0.99, tau=0.01,
                                 batch_size=128, buffer_size=20_000, learning_starts=1_000,
                                 noise="ou", noise_sigma=0.5, ou_theta=0.15, ou_dt=0.1,
                                 eval_every=500, eval_episodes=5),
}


def default_config(env_id: str) -> DDPGConfig:
    """The tuned :class:`DDPGConfig` for ``env_id`` (plain defaults for an env not in :data:`TUNED`)."""
    return DDPGConfig(**TUNED.get(env_id, {}))


# --- the agent -------------------------------------------------------------------------------------


class DDPGAgent:
    """An actor (and its critic) with the greedy policy π(s) = μ(s; θ), no noise.

    ``agent.act`` (or ``agent`` itself) is the policy to pass to
    :func:`~rlcourse.envs.evaluate`; :meth:`explore` is the noisy behaviour policy of training.
    """

    def __init__(self, actor: Actor, critic: Critic | None = None,
                 device: str | torch.device = "cpu") -> None:
        self.actor, self.critic = actor, critic
        self.device = torch.device(device)
        self.action_low = actor.action_low.cpu().numpy().astype(np.float32)    # (action_dim,)
        self.action_high = actor.action_high.cpu().numpy().astype(np.float32)  # (action_dim,)
        self._numpy_forward = NumpyForward()

    def raw_action(self, obs: Any) -> np.ndarray:
        """The actor's tanh output in [−1, 1] for one observation, ``(action_dim,)``.

        On the CPU the actor's MLP runs in numpy (:class:`~rlcourse.networks.NumpyForward`):
        acting happens every env step, and for one observation torch's call overhead dominates.
        """
        net = self.actor.net if isinstance(self.actor, Actor) else None
        raw = self._numpy_forward(net, obs)  # (action_dim,), or None: not a CPU MLP
        if raw is None:
            with torch.no_grad():
                obs_tensor = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device)
                return self.actor.raw(obs_tensor).cpu().numpy()
        return raw

    def act(self, obs: Any) -> np.ndarray:
        """The greedy action μ(s) for one observation, ``(action_dim,)`` within the bounds."""
        return scale_action(self.raw_action(obs), self.action_low, self.action_high)

    __call__ = act

    def explore(self, obs: Any, noise: Callable[[], np.ndarray]) -> np.ndarray:
        """The behaviour policy: a = scale(clip(raw μ(s) + ε, −1, 1)), always within the bounds."""
        raw = np.clip(self.raw_action(obs) + noise(), -1.0, 1.0)
        return scale_action(raw, self.action_low, self.action_high).astype(np.float32)

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Save actor and critic as a checkpoint directory (safetensors + JSON, no pickle)."""
        modules: dict[str, torch.nn.Module] = {"actor": self.actor}
        if self.critic is not None:
            modules["critic"] = self.critic
        record = {"algo": "ddpg", "obs_dim": self.actor.obs_dim,
                  "action_low": self.action_low.tolist(), "action_high": self.action_high.tolist(),
                  "actor_hidden": list(self.actor.hidden),
                  "critic_hidden": None if self.critic is None else list(self.critic.hidden),
                  **(meta or {})}
        return save_checkpoint(path, modules, record)

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu") -> "DDPGAgent":
        """Rebuild an agent from a checkpoint written by :meth:`save` (or a run directory)."""
        path = model_dir(path)
        meta = read_meta(path)
        actor = Actor(meta["obs_dim"], meta["action_low"], meta["action_high"],
                      tuple(meta["actor_hidden"])).to(device)
        modules: dict[str, torch.nn.Module] = {"actor": actor}
        critic = None
        if meta.get("critic_hidden") is not None:
            critic = Critic(meta["obs_dim"], actor.action_dim, tuple(meta["critic_hidden"])).to(device)
            modules["critic"] = critic
        load_checkpoint(path, modules, map_location=device)
        actor.eval()
        if critic is not None:
            critic.eval()
        return cls(actor, critic, device)


# --- training --------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class DDPGRun(Run):
    """What :func:`train` returns: a :class:`~rlcourse.training.Run` with the target networks."""

    target_actor: Actor
    target_critic: Critic

    @property
    def actor(self) -> Actor:
        return self.agent.actor

    @property
    def critic(self) -> Critic:
        return self.agent.critic


_USE_DQN = "DQN (`rlcourse train dqn`), which handles a discrete action space"


def train(env_id: str, config: DDPGConfig | None = None, *, seed: int = 0, steps: int | None = None,
          episodes: int | None = None, progress: bool = False,
          checkpoint_dir: str | Path | None = None, resume_from: str | Path | None = None,
          env_kwargs: dict[str, Any] | None = None,
          replay_buffer: ReplayBuffer | None = None) -> DDPGRun:
    """Train DDPG on a gymnasium env with a Box action space, top to bottom.

    The first ``learning_starts`` env steps take uniformly random actions; after that the actor
    acts with exploration noise (clipped to the bounds). Every transition goes into the replay
    buffer (``terminated`` and ``truncated`` apart), and every ``train_every`` steps
    ``gradient_steps`` calls of :func:`ddpg_update` run on replayed mini-batches. ``metrics`` gets
    one row per episode (``step, episode, episode_return, critic_loss, actor_loss, q_mean``) and
    one per periodic greedy evaluation (no noise) on :data:`~rlcourse.envs.VALIDATION_SEED` seeds
    (``eval_mean_return``). Ctrl-C (or the notebook's stop button) returns what was learned so far
    with ``interrupted=True``. The bookkeeping (clocks, evaluations, checkpoints, the last good
    weights) is :class:`~rlcourse.training.TrainingLoop`'s.

    Args:
        env_id: a gymnasium id with a Box action space (Pendulum-v1, MountainCarContinuous-v0).
        config: hyperparameters; :func:`default_config` of ``env_id`` when None.
        seed: seeds the networks' initialisation, the env, the noise and replay sampling.
        steps: the budget in env steps (default ``config.steps``).
        episodes: if given, also stop after this many episodes.
        progress: show a progress bar over env steps.
        checkpoint_dir: if given, the agent is saved there at every periodic evaluation and at
            the end, so a run that fails (non-finite loss) leaves its last good agent behind.
        resume_from: a checkpoint written by this function (or a run's ``model/``): actor and
            critic are loaded (targets copied from them) and training continues from its step up
            to ``steps``. The replay buffer is not saved, so it refills (``learning_starts``
            random steps) before updates resume.
        env_kwargs: passed to ``gymnasium.make``.
        replay_buffer: store every transition in this buffer (and sample from it) instead of a
            new one of ``buffer_size``, to inspect what was stored.

    Raises:
        ValueError: an env whose actions are not a Box (use DQN), or a ``replay_buffer`` that
            does not fit the env.
        NonFiniteLossError: the critic's or the actor's loss became NaN or infinite; the agent
            is reset to its weights at the last periodic evaluation.
    """
    config = default_config(env_id) if config is None else config
    steps = config.steps if steps is None else steps
    check_range("steps", steps, 1)
    train_env_kwargs = dict(env_kwargs or {})
    if config.time_limit is not None:
        train_env_kwargs["max_episode_steps"] = config.time_limit
    with make_env(env_id, **train_env_kwargs) as env, torch_cpu_settings(config.num_threads):
        require_action_space(env, gym.spaces.Box, "DDPG", _USE_DQN)
        low = env.action_space.low.astype(np.float32)    # (action_dim,)
        high = env.action_space.high.astype(np.float32)  # (action_dim,)
        action_dim = int(low.size)
        if replay_buffer is not None:
            replay_buffer.require_shapes(env.observation_space.shape, (action_dim,))
        rng = seed_everything(seed)  # also seeds torch, so the networks' initial weights
        device = select_device(config.device)
        obs_dim = int(np.prod(env.observation_space.shape))
        # the bug demonstration gives the actor the bounds [−1, 1]: its tanh output goes out as is
        actor_low, actor_high = (-np.ones_like(low), np.ones_like(high)) if config.unscaled_actor \
            else (low, high)
        actor = Actor(obs_dim, actor_low, actor_high, config.actor_hidden).to(device)
        critic = Critic(obs_dim, action_dim, config.critic_hidden).to(device)
        networks = {"actor": actor, "critic": critic}
        start_step, start_episode = resume_from_checkpoint(resume_from, networks, device)
        target_actor, target_critic = copy.deepcopy(actor), copy.deepcopy(critic)
        for net in (target_actor, target_critic):
            net.requires_grad_(False)
        # fused, as DQN's: each Adam step in one kernel instead of a loop of tensor operations per
        # parameter; the same update up to float rounding (tested), ~17 % of a DDPG update saved
        # on a CPU (benchmarks/results/PROFILE.md)
        actor_optimizer = torch.optim.Adam(actor.parameters(), lr=config.actor_lr, fused=True)
        critic_optimizer = torch.optim.Adam(critic.parameters(), lr=config.critic_lr, fused=True)
        agent = DDPGAgent(actor, critic, device)
        buffer = replay_buffer if replay_buffer is not None else ReplayBuffer(
            config.buffer_size, env.observation_space.shape, (action_dim,), np.float32, seed=seed,
            device=device)
        noise = make_noise(config.noise, action_dim, config.noise_sigma, rng=rng,
                           theta=config.ou_theta, dt=config.ou_dt)
        run = DDPGRun(agent, Metrics(), config, target_actor=target_actor,
                      target_critic=target_critic, steps=start_step, episodes=start_episode)
        learning_starts = start_step + config.learning_starts  # a resumed run refills its buffer
        obs, _ = env.reset(seed=seed + start_episode)
        noise.reset()
        episode_return, update = 0.0, UpdateInfo(math.nan, math.nan, math.nan)
        with TrainingLoop(run, algo="DDPG", env_id=env_id, seed=seed, steps=steps,
                          episodes=episodes, networks=networks, eval_every=config.eval_every,
                          eval_episodes=config.eval_episodes, checkpoint_dir=checkpoint_dir,
                          progress=progress, env_kwargs=env_kwargs) as loop:
            for step in loop.steps():
                if step <= learning_starts:  # warm-up: uniformly random actions within the bounds
                    action = rng.uniform(low, high).astype(np.float32)
                else:
                    action = agent.explore(obs, noise)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                episode_return += float(reward)
                # the bug demonstration stores a time limit as terminal; the default never does
                stored_terminal = terminated or (truncated and config.truncation_as_terminal)
                buffer.add(obs, action, reward, next_obs, stored_terminal, truncated)
                obs = next_obs

                if step >= learning_starts and step % config.train_every == 0:
                    for _ in range(config.gradient_steps):
                        update = ddpg_update(actor, critic, target_actor, target_critic,
                                             actor_optimizer, critic_optimizer,
                                             buffer.sample(config.batch_size),
                                             gamma=config.gamma, tau=config.tau)
                    if not (math.isfinite(update.critic_loss) and math.isfinite(update.actor_loss)):
                        raise loop.diverged(
                            f"the critic loss became {update.critic_loss} and the actor loss "
                            f"{update.actor_loss}",
                            advice=f"the networks diverged; try smaller learning rates than "
                                   f"actor_lr={config.actor_lr:g}, critic_lr={config.critic_lr:g}")

                if terminated or truncated:
                    loop.end_episode(episode_return, critic_loss=update.critic_loss,
                                     actor_loss=update.actor_loss, q_mean=update.q_mean)
                    obs, _ = env.reset()
                    noise.reset()
                    episode_return = 0.0
                loop.end_step()  # the periodic evaluation, progress
        return run


# --- checkpoints and command-line hooks (rlcourse train ddpg, rlcourse evaluate) ------------------


def load_agent(path: str | Path) -> DDPGAgent:
    """The agent saved by :func:`train` (``checkpoint_dir``) or :func:`train_run` (a run directory)."""
    return DDPGAgent.load(path)


def train_run(algo: str, env_id: str, *, seed: int, steps: int | None, episodes: int | None,
              out: str | Path, overrides: list[str] | dict[str, Any] | None,
              progress: bool) -> dict[str, Any]:
    """Train with the tuned defaults for ``env_id`` and write the run directory ``out``
    (:func:`~rlcourse.training.write_run`); returns the ``eval.json`` record."""
    config = apply_overrides(default_config(env_id), overrides)
    if steps is not None:
        config = dataclasses.replace(config, steps=steps)
    with make_env(env_id) as env:  # before anything is written
        require_action_space(env, gym.spaces.Box, "DDPG", _USE_DQN)
    return write_run(out, algo=algo, env_id=env_id, seed=seed, config=config,
                     budget={"steps": config.steps, "episodes": episodes},
                     train=lambda model: train(env_id, config, seed=seed, episodes=episodes,
                                               progress=progress, checkpoint_dir=model))


def load_policy(run_dir: str | Path) -> Callable[[Any], np.ndarray]:
    """The greedy policy of a saved run, ``obs -> action``."""
    return load_agent(run_dir).act
