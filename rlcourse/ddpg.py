"""Deep Deterministic Policy Gradient: Q-learning for continuous actions (chapters 05 and 06).

DQN picks a' by ``argmax`` over a handful of actions; with a continuous action there is no list to
take the max over. DDPG learns a second network, the **actor** μ(s; θ), that outputs the action
the **critic** Q(s, a; φ) rates highest, and trains it by climbing the critic:

    y       = r + γ (1 − terminated) Q'(s', μ'(s'))                 (critic_target, no gradient)
    L(φ)    = mean over the batch of (Q(s, a; φ) − y)²               (critic loss, MSE)
    J(θ)    = E[Q(s, μ(s; θ))],   ∇θ J = E[∇a Q(s, a)|a=μ(s) ∇θ μ(s)]  (actor_loss = −J)
    φ', θ'  ← τ φ + (1 − τ) φ',  τ θ + (1 − τ) θ'                   (soft target updates)

Q' and μ' are the target critic and target actor. Only ``terminated`` stops the bootstrap: every
Pendulum episode ends by its 200-step time limit, a *truncation*, and storing it as terminal (the
``truncation_as_terminal`` option, kept only to show the bug) teaches the critic that the future
ends at an arbitrary clock tick.

The reading order of this file is the order of the chapter: the lines the notebooks write inline
(:func:`scale_action`, :func:`critic_target`, :func:`actor_loss`), the whole update
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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, NamedTuple

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.checkpoints import load_checkpoint, read_meta, save_checkpoint
from rlcourse.envs import (HELDOUT_SEED, SOLVED_THRESHOLDS, VALIDATION_SEED, evaluate, make_env,
                           require_action_space, seed_everything, torch_cpu_settings)
from rlcourse.networks import Actor, Critic, soft_update
from rlcourse.noise import make_noise
from rlcourse.progress import progress_bar, show_eval
from rlcourse.replay import Batch, ReplayBuffer
from rlcourse.runs import (Metrics, NonFiniteLossError, apply_overrides, check_range,
                           config_record, eval_record, interruptible, write_json)

# --- the lines the notebooks write inline first ---------------------------------------------------


def scale_action(raw_action: Any, low: Any, high: Any) -> Any:
    """Map a raw action in [−1, 1] (a tanh output) linearly onto the env's bounds [low, high].

        a = low + (raw + 1) (high − low) / 2

    −1 goes to ``low``, +1 to ``high``, 0 to the middle; bounds may differ per dimension and need
    not be symmetric (for Pendulum, low = −2 and high = 2, so a = 2 raw).

    Args:
        raw_action: numpy array or torch tensor ``(..., action_dim)`` in [−1, 1].
        low, high: the bounds, scalars or ``(action_dim,)`` (numpy, lists or tensors).

    Returns:
        The same type as ``raw_action`` (a tensor keeps its graph, so gradients flow through).

    Example:
        >>> scale_action(np.array([-1.0, 0.0, 1.0]), 0.0, 4.0)
        array([0., 2., 4.])
    """
    if isinstance(raw_action, torch.Tensor):
        low = torch.as_tensor(low, dtype=raw_action.dtype, device=raw_action.device)
        high = torch.as_tensor(high, dtype=raw_action.dtype, device=raw_action.device)
    else:
        raw_action = np.asarray(raw_action)
        low, high = np.asarray(low), np.asarray(high)
    return low + (raw_action + 1.0) * (high - low) / 2.0


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
        _check_batch(name, tensor, batch_size)
    with torch.no_grad():
        next_q = target_critic(next_obs, target_actor(next_obs))  # (batch,)
        _check_batch("target_critic(next_obs, target_actor(next_obs))", next_q, batch_size)
        return reward + gamma * (1.0 - terminated) * next_q  # (batch,)


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


def _check_batch(name: str, tensor: torch.Tensor, batch_size: int) -> None:
    if tuple(tensor.shape) != (batch_size,):
        raise ValueError(
            f"{name} must have shape (batch,) = ({batch_size},), got {tuple(tensor.shape)}: a "
            "(batch, 1) column against a (batch,) row broadcasts to (batch, batch) and silently "
            "trains on the wrong targets; squeeze it (tensor.squeeze(1)) first")


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
        φ   ← φ − lr_Q ∇φ mean (Q(s, a; φ) − y)²          (critic: MSE, Adam)
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
    critic_loss = F.mse_loss(q_pred, target)
    critic_optimizer.zero_grad()
    critic_loss.backward()
    critic_optimizer.step()

    loss = actor_loss(actor, critic, batch.obs)
    actor_optimizer.zero_grad()
    loss.backward()  # also fills the critic's .grad; the critic's zero_grad clears it next time
    actor_optimizer.step()

    soft_update(target_critic, critic, tau)
    soft_update(target_actor, actor, tau)
    return UpdateInfo(critic_loss.item(), loss.item(), q_pred.detach().mean().item())


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
    #: exploration noise: "gaussian" (independent each step) or "ou" (Ornstein–Uhlenbeck, correlated)
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
        if self.noise not in ("gaussian", "ou"):
            raise ValueError(f"noise must be 'gaussian' or 'ou', got {self.noise!r}")
        check_range("noise_sigma", self.noise_sigma, 0)
        check_range("ou_theta", self.ou_theta, 0, low_open=True)
        check_range("ou_dt", self.ou_dt, 0, low_open=True)
        if not self.ou_theta * self.ou_dt <= 1:
            raise ValueError(f"ou_theta * ou_dt must be at most 1, got {self.ou_theta * self.ou_dt:g}")
        check_range("eval_every", self.eval_every, 0)
        check_range("eval_episodes", self.eval_episodes, 1)
        check_range("final_eval_episodes", self.final_eval_episodes, 1)
        check_range("num_threads", self.num_threads, 1)
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")


#: Tuned defaults per env: overrides of :class:`DDPGConfig` (``rlcourse train ddpg`` uses them).
#:
#: Pendulum-v1: 10k env steps, half the RL Zoo's budget: the greedy policy first reaches −200 after
#: 4k-6k steps, and 20k gave no better final greedy return than 10k (benchmark: median −154.9 over
#: seeds 0-4 at 20k, −154.5 at 10k, SB3 −154.0 at 20k); 1k uniformly random steps first (the Zoo
#: takes 10k), one update of 128 transitions per env step on 64-64 networks (the Zoo's 400-300
#: cost several times more per update), γ 0.98, τ 0.01, Gaussian noise σ 0.1 on the raw action
#: (0.2 in Pendulum's torque units).
#: MountainCarContinuous-v0: its reward punishes effort and pays only at the flag, so a small
#: actor learns "do nothing" unless exploration is strong and correlated in time: OU noise
#: with a large stationary std. Measured with these values: seeds 0 and 1 reach the flag, final
#: greedy returns 93.6 and 93.5 (threshold 90), first at 5k and 15k steps, ~88 s of training each.
TUNED: dict[str, dict[str, Any]] = {
    "Pendulum-v1": dict(steps=10_000, actor_hidden=(64, 64), critic_hidden=(64, 64),
                        actor_lr=1e-3, critic_lr=1e-3, gamma=0.98, tau=0.01, batch_size=128,
                        buffer_size=20_000, learning_starts=1_000, noise="gaussian",
                        noise_sigma=0.1, eval_every=2_000, eval_episodes=5),
    "MountainCarContinuous-v0": dict(steps=50_000, actor_hidden=(64, 64), critic_hidden=(64, 64),
                                     actor_lr=1e-3, critic_lr=1e-3, gamma=0.99, tau=0.005,
                                     batch_size=128, buffer_size=50_000, learning_starts=1_000,
                                     noise="ou", noise_sigma=0.5, ou_theta=0.15, ou_dt=0.1,
                                     eval_every=5_000, eval_episodes=5),
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
        self._layers: list[tuple[np.ndarray, np.ndarray]] = []
        self._layers_ptr = 0

    def raw_action(self, obs: Any) -> np.ndarray:
        """The actor's tanh output in [−1, 1] for one observation, ``(action_dim,)``.

        On the CPU this runs the MLP in numpy on *views* of the actor's parameters (they share
        memory, so every optimiser step is seen at once): for one observation a torch forward
        costs ~10× more in call overhead than the arithmetic, and acting happens every env step.
        """
        layers = self._numpy_layers()
        if not layers:
            with torch.no_grad():
                obs_tensor = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device)
                return self.actor.raw(obs_tensor).cpu().numpy()
        x = np.asarray(obs, dtype=np.float32).reshape(-1)  # (obs_dim,)
        for weight, bias in layers[:-1]:
            x = np.maximum(weight @ x + bias, 0.0)  # Linear then ReLU
        weight, bias = layers[-1]
        return np.tanh(weight @ x + bias)  # (action_dim,)

    def act(self, obs: Any) -> np.ndarray:
        """The greedy action μ(s) for one observation, ``(action_dim,)`` within the bounds."""
        return scale_action(self.raw_action(obs), self.action_low, self.action_high)

    __call__ = act

    def explore(self, obs: Any, noise: Callable[[], np.ndarray]) -> np.ndarray:
        """The behaviour policy: a = scale(clip(raw μ(s) + ε, −1, 1)), always within the bounds."""
        raw = np.clip(self.raw_action(obs) + noise(), -1.0, 1.0)
        return scale_action(raw, self.action_low, self.action_high).astype(np.float32)

    def _numpy_layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``(weight, bias)`` numpy views of a CPU ReLU/tanh actor's layers; empty if not applicable."""
        linears = [m for m in self.actor.modules() if isinstance(m, torch.nn.Linear)]
        ptr = linears[0].weight.data_ptr() if linears else -1
        if ptr != self._layers_ptr:  # parameters replaced or moved: rebuild the views
            self._layers_ptr = ptr
            plain_mlp = (isinstance(self.actor, Actor) and self.device.type == "cpu"
                         and all(isinstance(m, (torch.nn.Linear, torch.nn.ReLU))
                                 for m in list(self.actor.net)[:-1])
                         and isinstance(self.actor.net[-1], torch.nn.Tanh))
            self._layers = ([(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in linears]
                            if plain_mlp else [])
        return self._layers

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
        path = _model_dir(path)
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


def _model_dir(path: str | Path) -> Path:
    path = Path(path)
    return path / "model" if (path / "model").is_dir() else path


# --- training --------------------------------------------------------------------------------------


@dataclass
class DDPGRun:
    """What :func:`train` returns."""

    agent: DDPGAgent
    metrics: Metrics
    target_actor: Actor
    target_critic: Critic
    config: DDPGConfig
    interrupted: bool = False
    steps: int = 0
    episodes: int = 0
    #: wall seconds spent training, periodic evaluations excluded
    train_seconds: float = 0.0
    #: wall seconds spent in periodic evaluations
    eval_seconds: float = 0.0
    #: ``step -> train_seconds`` at each periodic evaluation (kept out of ``metrics.csv``, whose
    #: bytes must not depend on the machine's speed)
    eval_clock: dict[int, float] = dataclasses.field(default_factory=dict)
    #: the replay buffer at the end of training (to inspect what was stored)
    buffer: ReplayBuffer | None = None

    @property
    def actor(self) -> Actor:
        return self.agent.actor

    @property
    def critic(self) -> Critic:
        return self.agent.critic


_NOT_BOX = "DQN (`rlcourse train dqn`), which handles a discrete action space"


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
    with ``interrupted=True``.

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
        replay_buffer: if given, every transition is stored into it (and replayed from it)
            instead of into a buffer of the loop's own, so the caller can inspect afterwards what
            was stored; its own generator draws the mini-batches.

    Raises:
        ValueError: an env whose actions are not a Box (use DQN), or a ``replay_buffer`` whose
            shapes do not fit the env's.
        NonFiniteLossError: the critic's or the actor's loss became NaN or infinite; the agent
            is reset to its weights at the last periodic evaluation.
    """
    config = default_config(env_id) if config is None else config
    steps = config.steps if steps is None else steps
    check_range("steps", steps, 1)
    env = make_env(env_id, **(env_kwargs or {}))
    try:
        require_action_space(env, gym.spaces.Box, "DDPG", _NOT_BOX)
        if replay_buffer is not None:
            _check_replay_buffer(replay_buffer, env)
        with torch_cpu_settings(config.num_threads):  # also flushes denormals: see its docstring
            return _train_loop(env, env_id, config, seed, steps, episodes, progress,
                               checkpoint_dir, resume_from, env_kwargs or {}, replay_buffer)
    finally:
        env.close()


def _check_replay_buffer(replay_buffer: ReplayBuffer, env: gym.Env) -> None:
    obs_shape, action_shape = env.observation_space.shape, env.action_space.shape
    if replay_buffer.obs.shape[1:] != obs_shape or replay_buffer.action.shape[1:] != action_shape:
        raise ValueError(f"replay_buffer must hold observations of shape {obs_shape} and actions of "
                         f"shape {action_shape}, got {replay_buffer.obs.shape[1:]} and "
                         f"{replay_buffer.action.shape[1:]}: build it as ReplayBuffer(capacity, "
                         f"obs_shape={obs_shape}, action_shape={action_shape}, "
                         f"action_dtype=np.float32)")


def _train_loop(env: gym.Env, env_id: str, config: DDPGConfig, seed: int, steps: int,
                episodes: int | None, progress: bool, checkpoint_dir: str | Path | None,
                resume_from: str | Path | None, env_kwargs: dict[str, Any],
                replay_buffer: ReplayBuffer | None) -> DDPGRun:
    rng = seed_everything(seed)  # also seeds torch, so the networks' initial weights
    device = torch.device("cuda" if config.device == "auto" and torch.cuda.is_available()
                          else "cpu" if config.device == "auto" else config.device)
    obs_dim = int(np.prod(env.observation_space.shape))
    low = env.action_space.low.astype(np.float32)    # (action_dim,)
    high = env.action_space.high.astype(np.float32)  # (action_dim,)
    action_dim = int(low.size)

    actor = Actor(obs_dim, low, high, config.actor_hidden).to(device)
    critic = Critic(obs_dim, action_dim, config.critic_hidden).to(device)
    step, episode = 0, 0
    if resume_from is not None:
        meta = load_checkpoint(_model_dir(resume_from), {"actor": actor, "critic": critic}, device)
        step, episode = int(meta.get("step", 0)), int(meta.get("episode", 0))
    target_actor, target_critic = copy.deepcopy(actor), copy.deepcopy(critic)
    for net in (target_actor, target_critic):
        net.requires_grad_(False)
    actor_optimizer = torch.optim.Adam(actor.parameters(), lr=config.actor_lr)
    critic_optimizer = torch.optim.Adam(critic.parameters(), lr=config.critic_lr)
    agent = DDPGAgent(actor, critic, device)
    buffer = replay_buffer if replay_buffer is not None else ReplayBuffer(
        config.buffer_size, env.observation_space.shape, (action_dim,), np.float32, seed=seed,
        device=device)
    noise = make_noise(config.noise, action_dim, config.noise_sigma, rng=rng,
                       theta=config.ou_theta, dt=config.ou_dt)
    eval_env = make_env(env_id, **env_kwargs) if config.eval_every else None
    metrics = Metrics()
    run = DDPGRun(agent, metrics, target_actor, target_critic, config, steps=step, episodes=episode,
                  buffer=buffer)
    learning_starts = step + config.learning_starts  # a resumed run refills its buffer first
    last_good = (copy.deepcopy(actor.state_dict()), copy.deepcopy(critic.state_dict()))
    last_good_step = step

    def save(path: str | Path) -> None:
        agent.save(path, {"env_id": env_id, "seed": seed, "step": step, "episode": episode,
                          "config": dataclasses.asdict(config)})

    obs, _ = env.reset(seed=seed + episode)
    noise.reset()
    episode_return, update = 0.0, UpdateInfo(math.nan, math.nan, math.nan)
    start = time.perf_counter()
    with progress_bar(steps, desc=f"DDPG {env_id}", enabled=progress) as bar, \
            interruptible() as stop:
        bar.update(step)
        while step < steps and (episodes is None or episode < episodes):
            if step < learning_starts:  # warm-up: uniformly random actions within the bounds
                action = rng.uniform(low, high).astype(np.float32)
            else:
                action = agent.explore(obs, noise)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            step += 1
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
                    actor.load_state_dict(last_good[0])
                    critic.load_state_dict(last_good[1])
                    run.steps, run.episodes = step, episode
                    run.train_seconds += time.perf_counter() - start
                    raise NonFiniteLossError.at(
                        run, algo="DDPG", step=step,
                        what=f"the critic loss became {update.critic_loss} and the actor loss "
                             f"{update.actor_loss}",
                        advice=f"the networks diverged; try smaller learning rates than actor_lr="
                               f"{config.actor_lr:g}, critic_lr={config.critic_lr:g}",
                        good_step=last_good_step, checkpoint_dir=checkpoint_dir)

            if terminated or truncated:
                episode += 1
                metrics.log_episode(step, episode, episode_return, critic_loss=update.critic_loss,
                                    actor_loss=update.actor_loss, q_mean=update.q_mean)
                obs, _ = env.reset()
                noise.reset()
                episode_return = 0.0
            if eval_env is not None and step % config.eval_every == 0:
                run.train_seconds += time.perf_counter() - start
                run.eval_clock[step] = run.train_seconds
                eval_start = time.perf_counter()
                result = evaluate(eval_env, agent.act, episodes=config.eval_episodes,
                                  seed=VALIDATION_SEED)
                metrics.log_eval(step, episode, result.mean_return)
                show_eval(bar, result.mean_return)
                last_good = (copy.deepcopy(actor.state_dict()), copy.deepcopy(critic.state_dict()))
                last_good_step = step
                if checkpoint_dir is not None:
                    save(checkpoint_dir)
                start = time.perf_counter()
                run.eval_seconds += start - eval_start
            bar.update()
            run.steps, run.episodes = step, episode
    run.train_seconds += time.perf_counter() - start
    run.interrupted = stop.interrupted
    if eval_env is not None:
        eval_env.close()
    if checkpoint_dir is not None:
        save(checkpoint_dir)
    return run


# --- checkpoints and command-line hooks (rlcourse train ddpg, rlcourse evaluate) ------------------


def load_agent(path: str | Path) -> DDPGAgent:
    """The agent saved by :func:`train` (``checkpoint_dir``) or :func:`train_run` (a run directory)."""
    return DDPGAgent.load(path)


def train_run(algo: str, env_id: str, *, seed: int, steps: int | None, episodes: int | None,
              out: str | Path, overrides: list[str] | dict[str, Any] | None,
              progress: bool) -> dict[str, Any]:
    """Train with the tuned defaults for ``env_id`` and write the run directory ``out``.

    Writes ``config.json``, ``metrics.csv``, ``model/`` (safetensors + JSON) and ``eval.json``
    (greedy, ``final_eval_episodes`` held-out episodes). ``train_seconds`` excludes the periodic
    evaluations. Returns the ``eval.json`` record.
    """
    config = apply_overrides(default_config(env_id), overrides)
    if steps is not None:
        config = dataclasses.replace(config, steps=steps)
    env = make_env(env_id)
    try:  # before anything is written
        require_action_space(env, gym.spaces.Box, "DDPG", _NOT_BOX)
    finally:
        env.close()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "config.json", config_record(algo=algo, env_id=env_id, seed=seed, config=config,
                                                  steps=config.steps, episodes=episodes))
    run = train(env_id, config, seed=seed, episodes=episodes, progress=progress,
                checkpoint_dir=out / "model")
    run.metrics.to_csv(out / "metrics.csv")
    result = evaluate(env_id, run.agent.act, episodes=config.final_eval_episodes, seed=HELDOUT_SEED)
    threshold = SOLVED_THRESHOLDS.get(env_id)
    record = eval_record(env_id=env_id, algo=algo, seed=seed, result=result,
                         first_solved_step=None if threshold is None
                         else run.metrics.first_solved_step(threshold),
                         train_seconds=run.train_seconds)
    write_json(out / "eval.json", record)
    return record


def load_policy(run_dir: str | Path) -> Callable[[Any], np.ndarray]:
    """The greedy policy of a saved run, ``obs -> action``."""
    return load_agent(run_dir).act
