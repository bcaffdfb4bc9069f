"""Deep Q-Networks: experience replay and fixed Q-targets (chapters 03 and 04).

DQN replaces the Q-table of chapter 02 by a network Q(s, ·; θ) and trains it towards the same
one-step TD target, with the two fixes that made it work:

* **experience replay**: transitions go into a :class:`~rlcourse.replay.ReplayBuffer` and every
  update uses a random mini-batch of old ones, so consecutive updates are not correlated;
* **fixed Q-targets**: the target ("Q reality") is computed by a lagging copy of the network,
  the target network θ⁻, so the network does not chase its own moving prediction ("Q estimate").

The update, in the symbols of the notebooks:

    y      = r + γ (1 − terminated) max_a' Q(s', a'; θ⁻)          (td_target)
    L(θ)   = Huber( Q(s, a; θ) − y )  averaged over the batch      (dqn_loss)
    θ⁻     ← θ every C steps (hard), or θ⁻ ← τ θ + (1 − τ) θ⁻ (soft)

Only ``terminated`` stops the bootstrap; a truncated transition (CartPole's 500-step limit) still
bootstraps from s'. Double DQN lets the online network choose a' and the target network value it.

The reading order of this file is the order of the chapter: the lines the notebook writes inline
(:func:`td_target`, :func:`double_dqn_target`, :func:`dqn_loss`), the whole update
(:func:`dqn_update`), the configuration (:class:`DQNConfig`, :data:`TUNED`), the agent
(:class:`DQNAgent`) and the training loop (:func:`train`), then checkpoints and the CLI hooks.

Example:
    >>> run = train("CartPole-v1", seed=0)                                  # doctest: +SKIP
    >>> evaluate("CartPole-v1", run.agent.act, episodes=20).mean_return     # doctest: +SKIP
    500.0
"""

from __future__ import annotations

import copy
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

import gymnasium as gym
import numpy as np
import torch
import torch.nn.functional as F

from rlcourse.checkpoints import load_checkpoint, model_dir, read_meta, save_checkpoint
from rlcourse.envs import make_env, require_action_space, seed_everything, torch_cpu_settings
from rlcourse.networks import NumpyForward, QNetwork, hard_update, select_device, soft_update
from rlcourse.replay import Batch, ReplayBuffer, check_batch_shape
# NonFiniteLossError: what train raises (through loop.diverged), so callers can catch it from here
from rlcourse.runs import Metrics, NonFiniteLossError, apply_overrides, check_range
from rlcourse.training import Run, TrainingLoop, linear_schedule, resume_from_checkpoint, write_run

# --- the lines the notebook writes inline first ---------------------------------------------------


def td_target(reward: torch.Tensor, next_q_values: torch.Tensor, terminated: torch.Tensor,
              gamma: float) -> torch.Tensor:
    """The TD target ("Q reality"), one number per transition of the batch.

        y = r + γ (1 − terminated) max_a' Q_target(s', a')

    Symbols: r = ``reward`` ``(batch,)``; Q_target(s', ·) = ``next_q_values`` ``(batch,
    n_actions)``, computed by the target network on ``next_obs``; ``terminated`` ``(batch,)``
    float, 1.0 where s' is terminal (never ``terminated or truncated``: a time limit does not end
    the future); γ = ``gamma``. Call it without gradient (the target is a fixed label).

    Returns:
        ``(batch,)``.

    Raises:
        ValueError: any shape other than the ones above, in particular a ``(batch, 1)`` reward
            or ``terminated``, which would broadcast to ``(batch, batch)``.
    """
    batch_size = reward.shape[0] if reward.ndim else 0
    check_batch_shape("reward", reward, batch_size)
    check_batch_shape("terminated", terminated, batch_size)
    if next_q_values.ndim != 2 or next_q_values.shape[0] != batch_size:
        raise ValueError(f"next_q_values must have shape (batch, n_actions) = ({batch_size}, n), "
                         f"got {tuple(next_q_values.shape)}")
    next_value = next_q_values.max(dim=1).values  # (batch,)
    return reward + gamma * (1.0 - terminated) * next_value  # (batch,)


def double_dqn_target(reward: torch.Tensor, next_q_values: torch.Tensor,
                      next_q_values_online: torch.Tensor, terminated: torch.Tensor,
                      gamma: float) -> torch.Tensor:
    """The Double DQN target: the online network chooses a', the target network values it.

        a* = argmax_a' Q(s', a'; θ)
        y  = r + γ (1 − terminated) Q_target(s', a*)

    The max in :func:`td_target` both picks and values the action with the same noisy estimates,
    so it is biased upwards (over-estimation); splitting the two jobs removes most of that bias.

    Symbols as in :func:`td_target`, plus Q(s', ·; θ) = ``next_q_values_online`` ``(batch,
    n_actions)`` from the online network.

    Returns:
        ``(batch,)``.
    """
    if next_q_values_online.shape != next_q_values.shape:
        raise ValueError(f"next_q_values_online {tuple(next_q_values_online.shape)} and "
                         f"next_q_values {tuple(next_q_values.shape)} must have the same shape")
    best_action = next_q_values_online.argmax(dim=1, keepdim=True)  # (batch, 1)
    next_value = next_q_values.gather(1, best_action)  # (batch, 1), one column
    # td_target's max over a single column is that column: the shape checks stay in one place
    return td_target(reward, next_value, terminated, gamma)


def dqn_loss(q_values: torch.Tensor, action: torch.Tensor, td_target: torch.Tensor) -> torch.Tensor:
    """Huber loss between the prediction Q(s, a; θ) ("Q estimate") and the TD target.

        q_pred = Q(s, a; θ)
        L(θ)   = mean over the batch of Huber(q_pred − y),   Huber(x) = x²/2 if |x| ≤ 1 else |x| − 1/2

    Symbols: Q(s, ·; θ) = ``q_values`` ``(batch, n_actions)`` from the online network; a =
    ``action`` ``(batch,)`` int64; y = ``td_target`` ``(batch,)``. Huber grows linearly for large
    errors, so one surprising transition cannot produce a huge gradient.

    Returns:
        A scalar tensor.
    """
    batch_size = q_values.shape[0]
    check_batch_shape("action", action, batch_size)
    check_batch_shape("td_target", td_target, batch_size)
    q_pred = q_values.gather(1, action.unsqueeze(1)).squeeze(1)  # (batch,)
    return F.smooth_l1_loss(q_pred, td_target)


# --- the whole update -----------------------------------------------------------------------------


def clip_gradients(parameters: Iterable[torch.nn.Parameter], max_norm: float) -> torch.Tensor:
    """Scale the gradients so that their joint L2 norm is at most ``max_norm``; returns the norm
    before clipping.

    The same numbers as ``torch.nn.utils.clip_grad_norm_``, which multiplies every gradient by
    min(1, max_norm / (norm + 1e-6)) on every call; here the multiplication by exactly 1 is left
    out when the norm is within the bound (most updates), which saves about a tenth of a DQN
    update on a CPU.
    """
    parameters = [p for p in parameters if p.grad is not None]
    total_norm = torch.nn.utils.get_total_norm([p.grad for p in parameters])
    if not max_norm / (total_norm + 1e-6) >= 1.0:  # a NaN norm too: it spreads, as in torch's
        torch.nn.utils.clip_grads_with_norm_(parameters, max_norm, total_norm)
    return total_norm


class UpdateInfo(NamedTuple):
    """What one :func:`dqn_update` reports."""

    loss: float
    q_mean: float  # mean of q_pred = Q(s, a; θ) over the batch (over-estimation shows here)


def dqn_update(q_network: torch.nn.Module, target_q_network: torch.nn.Module,
               optimizer: torch.optim.Optimizer, batch: Batch, *, gamma: float,
               double_dqn: bool = False, max_grad_norm: float = 10.0,
               update_target: bool = False, tau: float = 1.0) -> UpdateInfo:
    """One DQN update on a mini-batch: TD target, Huber loss, clipped gradient step, target update.

        y    = r + γ (1 − terminated) max_a' Q(s', a'; θ⁻)        ("Q reality", no gradient)
        L(θ) = Huber(Q(s, a; θ) − y)                               ("Q estimate" vs reality)
        θ    ← θ − lr ∇θ L    (Adam, with ‖∇θ L‖ clipped to max_grad_norm)
        θ⁻   ← τ θ + (1 − τ) θ⁻   when update_target (τ = 1: a hard copy)

    Args:
        q_network: the online network θ.
        target_q_network: the target network θ⁻; pass ``q_network`` itself for the "no target
            network" ablation (then the target moves with every step).
        optimizer: optimises ``q_network``'s parameters only.
        batch: a :class:`~rlcourse.replay.Batch`.
        gamma: discount factor γ.
        double_dqn: use :func:`double_dqn_target` instead of :func:`td_target`.
        max_grad_norm: clip the gradient's global norm to this (``math.inf``: no clipping).
        update_target: update θ⁻ after the step (the caller decides when: every C steps).
        tau: weight of the online network in that update; 1.0 copies it.
    """
    with torch.no_grad():
        next_q_values = target_q_network(batch.next_obs)  # (batch, n_actions)
        if double_dqn:
            target = double_dqn_target(batch.reward, next_q_values, q_network(batch.next_obs),
                                       batch.terminated, gamma)
        else:
            target = td_target(batch.reward, next_q_values, batch.terminated, gamma)  # (batch,)
    q_values = q_network(batch.obs)  # (batch, n_actions)
    loss = dqn_loss(q_values, batch.action, target)
    optimizer.zero_grad()
    loss.backward()
    if math.isfinite(max_grad_norm):
        clip_gradients(q_network.parameters(), max_grad_norm)
    optimizer.step()
    if update_target and target_q_network is not q_network:
        if tau >= 1.0:
            hard_update(target_q_network, q_network)
        else:
            soft_update(target_q_network, q_network, tau)
    with torch.no_grad():
        q_mean = q_values.gather(1, batch.action.unsqueeze(1)).mean()
    return UpdateInfo(loss.item(), q_mean.item())


# --- configuration ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DQNConfig:
    """Hyperparameters of DQN (validated when built; a bad value raises ``ValueError`` naming it).

    ε follows :func:`~rlcourse.training.linear_schedule` from ``epsilon_start`` to ``epsilon_end``
    over the first ``epsilon_decay_fraction`` of the budget; the learning rate moves linearly from
    ``lr`` to ``lr_end`` over the whole budget.
    """

    #: training budget in env steps (``--steps`` on the command line overrides it)
    steps: int = 50_000
    #: hidden layer sizes of the Q-network
    hidden: tuple[int, ...] = (64, 64)
    #: Adam learning rate at the start of training, > 0
    lr: float = 1e-3
    #: learning rate at the end of the budget (linear decay), > 0; equal to ``lr`` for a constant one
    lr_end: float = 1e-3
    #: discount factor γ, in [0, 1]
    gamma: float = 0.99
    #: replay buffer capacity in transitions, >= ``batch_size``
    buffer_size: int = 50_000
    #: transitions per mini-batch
    batch_size: int = 64
    #: env steps taken (ε-greedy) before the first update, to fill the buffer
    learning_starts: int = 1_000
    #: one round of updates every this many env steps
    train_every: int = 1
    #: gradient steps per round of updates
    gradient_steps: int = 1
    #: update the target network every this many env steps (C), counted from the first update
    target_update_every: int = 500
    #: weight of the online network in a target update, in (0, 1]; 1.0 is the hard copy θ⁻ ← θ
    tau: float = 1.0
    #: Double DQN: the online network chooses a', the target network values it
    double_dqn: bool = False
    #: clip the gradient's global norm to this, > 0 (``inf``: no clipping)
    max_grad_norm: float = 10.0
    #: exploration probability ε at the start, in [0, 1]
    epsilon_start: float = 1.0
    #: exploration probability ε after its decay, in [0, 1]
    epsilon_end: float = 0.05
    #: fraction of the budget over which ε decays linearly, in [0, 1]
    epsilon_decay_fraction: float = 0.2
    #: False: train on the latest transition only (the "no replay" ablation of chapter 04)
    use_replay: bool = True
    #: False: the TD target comes from the online network itself (the "no target network" ablation)
    use_target_network: bool = True
    #: False: the TD target bootstraps through terminated transitions too, y = r + γ max Q(s', ·),
    #: the mistake of a buffer that stores no ``terminated`` (Morvan Zhou's DQN; chapter 04 shows
    #: what it costs). The buffer still stores ``terminated``; only the update ignores it
    mask_terminated: bool = True
    #: greedy evaluation on validation seeds every this many env steps (0: never)
    eval_every: int = 2_000
    #: episodes per periodic evaluation
    eval_episodes: int = 5
    #: episodes of the final greedy evaluation on held-out seeds (``eval.json``)
    final_eval_episodes: int = 20
    #: stop training once the agent is solved: when a periodic evaluation averages at least this,
    #: it is extended to ``stop_eval_episodes`` validation episodes, and if their mean is still at
    #: least this, the run ends there (None: always train the whole budget)
    stop_at_return: float | None = None
    #: validation episodes that must average ``stop_at_return`` before training stops
    stop_eval_episodes: int = 20
    #: torch CPU threads during training (1 is fastest for networks this small)
    num_threads: int = 1
    #: "cpu", "cuda" or "auto"
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_range("steps", self.steps, 1)
        if not self.hidden or any(not isinstance(h, int) or h < 1 for h in self.hidden):
            raise ValueError(f"hidden must be a non-empty tuple of positive ints, got {self.hidden!r}")
        check_range("lr", self.lr, 0, low_open=True)
        check_range("lr_end", self.lr_end, 0, low_open=True)
        check_range("gamma", self.gamma, 0, 1)
        check_range("buffer_size", self.buffer_size, 1)
        check_range("batch_size", self.batch_size, 1)
        if self.use_replay and self.batch_size > self.buffer_size:
            raise ValueError(f"batch_size must be at most buffer_size ({self.buffer_size}), "
                             f"got {self.batch_size}")
        check_range("learning_starts", self.learning_starts, 0)
        check_range("train_every", self.train_every, 1)
        check_range("gradient_steps", self.gradient_steps, 1)
        check_range("target_update_every", self.target_update_every, 1)
        check_range("tau", self.tau, 0, 1, low_open=True)
        if self.max_grad_norm != math.inf:  # inf is allowed: no clipping
            check_range("max_grad_norm", self.max_grad_norm, 0, low_open=True)
        check_range("epsilon_start", self.epsilon_start, 0, 1)
        check_range("epsilon_end", self.epsilon_end, 0, 1)
        check_range("epsilon_decay_fraction", self.epsilon_decay_fraction, 0, 1)
        check_range("eval_every", self.eval_every, 0)
        check_range("eval_episodes", self.eval_episodes, 1)
        check_range("final_eval_episodes", self.final_eval_episodes, 1)
        check_range("stop_eval_episodes", self.stop_eval_episodes, self.eval_episodes)
        if self.stop_at_return is not None and not self.eval_every:
            raise ValueError("stop_at_return needs periodic evaluations to decide when to stop: "
                             "set eval_every > 0, or stop_at_return=None to train the whole budget")
        if self.stop_at_return is not None:
            check_range("stop_at_return", self.stop_at_return)
        check_range("num_threads", self.num_threads, 1)
        if self.device not in ("cpu", "cuda", "auto"):
            raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {self.device!r}")


#: Tuned defaults per env: overrides of :class:`DQNConfig` (``rlcourse train dqn`` uses them).
#: How each was found, over which seeds, and what it measured: ``benchmarks/results/TUNING.md``.
#:
#: CartPole-v1 trains until solved: when 5 greedy validation episodes average >= 490, 15 more
#: follow, and if all 20 still do, the run stops there (``stop_at_return``), before DQN can fall
#: back from its best; 490 rather than the threshold 475 is a margin for the held-out episodes.
#: 50k steps is only the cap, and the learning rate anneals over it, so it is still large while
#: the agent learns. Acrobot-v1 and MountainCar-v0 take RL Zoo-like values (MountainCar with an
#: annealed rate: the Zoo's constant one failed on one seed in two).
TUNED: dict[str, dict[str, Any]] = {
    "CartPole-v1": dict(steps=50_000, hidden=(256, 256), lr=2.5e-3, lr_end=2e-4, batch_size=64,
                        buffer_size=20_000, learning_starts=1_000, train_every=2,
                        target_update_every=100, double_dqn=True, epsilon_end=0.05,
                        epsilon_decay_fraction=0.04, eval_every=1_000, stop_at_return=490.0),
    "Acrobot-v1": dict(steps=50_000, hidden=(256, 256), lr=6.3e-4, lr_end=6.3e-4, batch_size=128,
                       buffer_size=50_000, learning_starts=1_000, train_every=4, gradient_steps=4,
                       target_update_every=250, epsilon_end=0.1, epsilon_decay_fraction=0.12,
                       eval_every=5_000),
    "MountainCar-v0": dict(steps=120_000, hidden=(256, 256), lr=4e-3, lr_end=4e-4, gamma=0.98,
                           batch_size=128, buffer_size=10_000, learning_starts=1_000,
                           train_every=16, gradient_steps=8, target_update_every=600,
                           epsilon_end=0.07, epsilon_decay_fraction=0.2, eval_every=10_000),
}


def default_config(env_id: str) -> DQNConfig:
    """The tuned :class:`DQNConfig` for ``env_id`` (plain defaults for an env not in :data:`TUNED`)."""
    return DQNConfig(**TUNED.get(env_id, {}))


# --- the agent -------------------------------------------------------------------------------------


class DQNAgent:
    """A Q-network and its greedy policy π(s) = argmax_a Q(s, a; θ).

    ``agent.act`` (or ``agent`` itself) is the policy to pass to
    :func:`~rlcourse.envs.evaluate`: greedy, no exploration.
    """

    def __init__(self, q_network: QNetwork, device: str | torch.device = "cpu") -> None:
        self.q_network = q_network
        self.device = torch.device(device)
        self._numpy_forward = NumpyForward()

    @torch.no_grad()
    def q_values(self, obs: Any) -> np.ndarray:
        """Q(s, ·; θ) for one observation, as a numpy array ``(n_actions,)``."""
        obs_tensor = torch.as_tensor(np.asarray(obs, dtype=np.float32), device=self.device)
        return self.q_network(obs_tensor).cpu().numpy()

    def act(self, obs: Any) -> int:
        """The greedy action argmax_a Q(s, a; θ) for one observation (ties: the lowest index).

        On the CPU the network runs in numpy (:class:`~rlcourse.networks.NumpyForward`): acting
        happens every env step, and for one observation torch's call overhead dominates.
        """
        net = self.q_network.net if isinstance(self.q_network, QNetwork) else None
        q_values = self._numpy_forward(net, obs)  # (n_actions,), or None: not a CPU MLP
        if q_values is None:
            with torch.no_grad():
                obs_tensor = torch.as_tensor(obs, dtype=torch.float32, device=self.device)
                return int(self.q_network(obs_tensor).argmax())
        return int(q_values.argmax())

    __call__ = act

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Save the Q-network as a checkpoint directory (safetensors + JSON, no pickle)."""
        net = self.q_network
        return save_checkpoint(path, {"q_network": net},
                               {"algo": "dqn", "obs_dim": net.obs_dim, "n_actions": net.n_actions,
                                "hidden": list(net.hidden), **(meta or {})})

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu") -> "DQNAgent":
        """Rebuild an agent from a checkpoint written by :meth:`save` (or a run directory)."""
        path = model_dir(path)
        meta = read_meta(path)
        q_network = QNetwork(meta["obs_dim"], meta["n_actions"], tuple(meta["hidden"])).to(device)
        load_checkpoint(path, {"q_network": q_network}, map_location=device)
        q_network.eval()
        return cls(q_network, device)


# --- training --------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class DQNRun(Run):
    """What :func:`train` returns: a :class:`~rlcourse.training.Run` with the target network."""

    #: θ⁻ at the end of training (``agent.q_network`` itself without a target network)
    target_q_network: torch.nn.Module


_USE_DDPG = "DDPG (`rlcourse train ddpg`), which learns a continuous action"


def train(env_id: str, config: DQNConfig | None = None, *, seed: int = 0, steps: int | None = None,
          episodes: int | None = None, progress: bool = False,
          checkpoint_dir: str | Path | None = None, resume_from: str | Path | None = None,
          env_kwargs: dict[str, Any] | None = None,
          replay_buffer: ReplayBuffer | None = None) -> DQNRun:
    """Train DQN on a gymnasium env with Discrete actions, top to bottom.

    Each env step: act ε-greedily, store the transition (``terminated`` and ``truncated`` apart),
    and every ``train_every`` steps run :func:`dqn_update` on a replayed mini-batch (or, without
    replay, on the latest transition), updating the target network every ``target_update_every``
    steps. ``metrics`` gets one row per episode (``step, episode, episode_return, epsilon, loss,
    q_mean``) and one per periodic greedy evaluation on :data:`~rlcourse.envs.VALIDATION_SEED`
    seeds (``eval_mean_return``). With ``config.stop_at_return`` set (CartPole's defaults), the
    run ends at the first evaluation whose greedy validation episodes, extended to
    ``stop_eval_episodes``, average at least that: the agent returned is the one validated
    (``solved_return``). Ctrl-C (or the notebook's stop button) returns what was learned so far
    with ``interrupted=True``. The bookkeeping (clocks, evaluations, checkpoints, the last good
    weights) is :class:`~rlcourse.training.TrainingLoop`'s.

    Args:
        env_id: a gymnasium id with a Discrete action space (CartPole-v1, Acrobot-v1, ...).
        config: hyperparameters; :func:`default_config` of ``env_id`` when None.
        seed: seeds the network's initialisation, the env, exploration and replay sampling.
        steps: the budget in env steps (default ``config.steps``); the ε and learning-rate
            schedules are spread over it.
        episodes: if given, also stop after this many episodes.
        progress: show a progress bar over env steps.
        checkpoint_dir: if given, the agent is saved there at every periodic evaluation, so a
            run that fails (non-finite loss) leaves its last good agent behind.
        resume_from: a checkpoint written by this function (or a run's ``model/``): its weights
            are loaded and training continues from its step up to ``steps``. The replay buffer is
            not saved, so it refills (``learning_starts`` steps) before updates resume.
        env_kwargs: passed to ``gymnasium.make``.
        replay_buffer: store every transition in this buffer (and sample from it) instead of a
            new one of ``buffer_size``, to inspect what was stored; with ``use_replay=False``
            its capacity must be 1 (the latest transition).

    Raises:
        ValueError: an env whose actions are not Discrete (use DDPG), or a ``replay_buffer``
            that does not fit the env.
        NonFiniteLossError: the loss became NaN or infinite.
    """
    config = default_config(env_id) if config is None else config
    steps = config.steps if steps is None else steps
    check_range("steps", steps, 1)
    with make_env(env_id, **(env_kwargs or {})) as env, torch_cpu_settings(config.num_threads):
        require_action_space(env, gym.spaces.Discrete, "DQN", _USE_DDPG)
        if replay_buffer is not None:
            replay_buffer.require_shapes(env.observation_space.shape)
            if not config.use_replay and replay_buffer.capacity != 1:
                raise ValueError("use_replay=False trains on the latest transition only: pass a "
                                 "replay_buffer of capacity 1, or none")
        rng = seed_everything(seed)  # also seeds torch, so the network's initial weights
        device = select_device(config.device)
        n_actions = int(env.action_space.n)
        q_network = QNetwork(int(np.prod(env.observation_space.shape)), n_actions,
                             config.hidden).to(device)
        start_step, start_episode = resume_from_checkpoint(resume_from, {"q_network": q_network},
                                                           device)
        target_q_network = copy.deepcopy(q_network) if config.use_target_network else q_network
        # fused: the whole Adam step in one compiled kernel instead of a dozen tensor operations per
        # parameter; the same update up to float rounding (tested), faster on a CPU (TUNING.md)
        optimizer = torch.optim.Adam(q_network.parameters(), lr=config.lr, fused=True)
        agent = DQNAgent(q_network, device)
        # without replay the buffer holds one transition: the latest
        buffer = replay_buffer if replay_buffer is not None else ReplayBuffer(
            config.buffer_size if config.use_replay else 1, env.observation_space.shape,
            seed=seed, device=device)
        batch_size = config.batch_size if config.use_replay else 1
        run = DQNRun(agent, Metrics(), config, target_q_network=target_q_network,
                     steps=start_step, episodes=start_episode)
        epsilon_decay = round(config.epsilon_decay_fraction * steps)
        learning_starts = start_step + config.learning_starts  # a resumed run refills its buffer
        last_target_step = start_step
        obs, _ = env.reset(seed=seed + start_episode)
        env.action_space.seed(seed)
        episode_return, update = 0.0, UpdateInfo(math.nan, math.nan)
        with TrainingLoop(run, algo="DQN", env_id=env_id, seed=seed, steps=steps,
                          episodes=episodes, networks={"q_network": q_network},
                          eval_every=config.eval_every, eval_episodes=config.eval_episodes,
                          stop_at_return=config.stop_at_return,
                          stop_eval_episodes=config.stop_eval_episodes,
                          checkpoint_dir=checkpoint_dir, progress=progress,
                          env_kwargs=env_kwargs) as loop:
            for step in loop.steps():
                # ε-greedy behaviour policy; ε has decayed over the steps before this one
                epsilon = linear_schedule(config.epsilon_start, config.epsilon_end, epsilon_decay,
                                          step - 1)
                if rng.random() < epsilon:
                    action = int(rng.random() * n_actions)
                else:
                    action = agent.act(obs)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                episode_return += float(reward)
                buffer.add(obs, action, reward, next_obs, terminated, truncated)
                obs = next_obs

                if step >= learning_starts and step % config.train_every == 0:
                    for group in optimizer.param_groups:
                        group["lr"] = linear_schedule(config.lr, config.lr_end, steps, step)
                    # θ⁻ is updated after the last gradient step of the round in which C more env
                    # steps have passed (with train_every = 1 and C = 500: at step 500, 1000, ...)
                    target_due = step - last_target_step >= config.target_update_every
                    for g in range(config.gradient_steps):
                        batch = buffer.sample(batch_size)
                        if not config.mask_terminated:  # the mistake: s' = the pole fallen bootstraps
                            batch = batch._replace(terminated=torch.zeros_like(batch.terminated))
                        update = dqn_update(
                            q_network, target_q_network, optimizer, batch,
                            gamma=config.gamma, double_dqn=config.double_dqn,
                            max_grad_norm=config.max_grad_norm,
                            update_target=target_due and g == config.gradient_steps - 1,
                            tau=config.tau)
                    if target_due:
                        last_target_step = step
                    if not math.isfinite(update.loss):
                        raise loop.diverged(f"the loss became {update.loss}",
                                            advice=f"the Q-values diverged; try a smaller lr "
                                                   f"than {config.lr:g} or a smaller max_grad_norm")

                if terminated or truncated:
                    loop.end_episode(episode_return, epsilon=epsilon, loss=update.loss,
                                     q_mean=update.q_mean)
                    obs, _ = env.reset()
                    episode_return = 0.0
                loop.end_step()  # the periodic evaluation (and the stop rule), progress
        return run


# --- checkpoints and command-line hooks (rlcourse train dqn, rlcourse evaluate) -------------------


def load_agent(path: str | Path) -> DQNAgent:
    """The agent saved by :func:`train` (``checkpoint_dir``) or :func:`train_run` (a run directory)."""
    return DQNAgent.load(path)


def train_run(algo: str, env_id: str, *, seed: int, steps: int | None, episodes: int | None,
              out: str | Path, overrides: list[str] | dict[str, Any] | None,
              progress: bool) -> dict[str, Any]:
    """Train with the tuned defaults for ``env_id`` and write the run directory ``out``
    (:func:`~rlcourse.training.write_run`); returns the ``eval.json`` record."""
    config = apply_overrides(default_config(env_id), overrides)
    if steps is not None:
        config = dataclasses.replace(config, steps=steps)
    with make_env(env_id) as env:  # before anything is written
        require_action_space(env, gym.spaces.Discrete, "DQN", _USE_DDPG)
    return write_run(out, algo=algo, env_id=env_id, seed=seed, config=config,
                     budget={"steps": config.steps, "episodes": episodes},
                     train=lambda model: train(env_id, config, seed=seed, episodes=episodes,
                                               progress=progress, checkpoint_dir=model))


def load_policy(run_dir: str | Path) -> Callable[[Any], int]:
    """The greedy policy of a saved run, ``obs -> action``."""
    return load_agent(run_dir).act
