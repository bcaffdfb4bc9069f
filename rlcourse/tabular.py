"""Tabular Q-learning and SARSA (chapter 02, ``notebooks/02_q_tables.ipynb``).

A Q-table holds one number per (state, action) pair, ``q_table[obs, action]`` with shape
``(n_states, n_actions)``. Both methods move one entry towards a one-step TD target:

    Q-learning (off-policy):  Q(s, a) ← Q(s, a) + α [ r + γ (1 − d) max_a' Q(s', a') − Q(s, a) ]
    SARSA (on-policy):        Q(s, a) ← Q(s, a) + α [ r + γ (1 − d) Q(s', a') − Q(s, a) ]

where ``d = terminated``. A terminal state has no future, so the target is just ``r``. A
truncation (a time limit) is not a terminal state: the episode was cut, the future still exists,
and the update keeps bootstrapping from ``s'``.

Works for any gymnasium env with ``Discrete`` observations and actions (FrozenLake, Taxi,
CliffWalking). An env with continuous observations (CartPole) stops at once with a pointer to DQN.

These toy-text envs also publish their model ``env.unwrapped.P``, so a learned policy can be
graded exactly as well as by sampling: :func:`exact_policy_value` (iterative policy evaluation)
and :func:`value_iteration` (the optimum the table should approach).

Example:
    >>> run = train("CliffWalking-v1", "qlearning", default_config("CliffWalking-v1"), seed=0)
    >>> evaluate("CliffWalking-v1", greedy_policy(run.q_table), episodes=1).mean_return
    -13.0
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import gymnasium as gym
import numpy as np

from rlcourse.envs import (DEFAULT_MAX_STEPS, HELDOUT_SEED, VALIDATION_SEED, evaluate, make_env,
                           open_env, require_action_space, seed_everything)
from rlcourse.progress import progress_bar, show_eval
from rlcourse.runs import Metrics, apply_overrides, check_range, interruptible
from rlcourse.training import linear_schedule, write_run

ALGORITHMS = ("qlearning", "sarsa")


# --- the lines the notebook writes inline first ---------------------------------------------------

def epsilon_greedy(q_values: np.ndarray, epsilon: float, rng: np.random.Generator) -> int:
    """With probability ε a uniformly random action, otherwise a greedy one.

        a = random action          with probability ε
        a = argmax_a Q(s, a)        otherwise, ties broken uniformly at random

    Ties matter: a zero-initialised table ties every action, and ``np.argmax`` would always pick
    action 0, so an ε = 0 agent would never try the others. Ties are therefore broken at random
    with ``rng`` (which keeps runs reproducible).

    Args:
        q_values: ``Q(s, ·)``, shape ``(n_actions,)``.
        epsilon: exploration probability in [0, 1].
        rng: the run's generator.

    Returns:
        The action, a Python int.
    """
    # floor(u * n) with u uniform in [0, 1) is a uniform index, several times cheaper than
    # rng.integers in a loop that runs once per env step
    if rng.random() < epsilon:
        return int(rng.random() * len(q_values))
    values = q_values.tolist()  # plain floats: far cheaper than numpy calls on a handful of actions
    best_value = max(values)
    best = [a for a, value in enumerate(values) if value == best_value]
    return best[0] if len(best) == 1 else best[int(rng.random() * len(best))]


def q_learning_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                      terminated: bool, alpha: float, gamma: float) -> float:
    """One Q-learning update of ``q_table`` in place; returns the TD error.

        td_target = r + γ (1 − terminated) max_a' Q(s', a')
        td_error  = td_target − Q(s, a)
        Q(s, a)  ← Q(s, a) + α td_error

    Symbols: s = ``obs``, a = ``action``, r = ``reward``, s' = ``next_obs``, α = ``alpha``,
    γ = ``gamma``. Pass ``terminated`` only, never ``terminated or truncated``: a time limit does
    not end the future, so a truncated transition still bootstraps.

    Args:
        q_table: shape ``(n_states, n_actions)``, changed in place.
    """
    next_value = 0.0 if terminated else max(q_table[next_obs].tolist())
    td_target = reward + gamma * next_value
    q_pred = q_table.item(obs, action)
    td_error = td_target - q_pred
    q_table[obs, action] = q_pred + alpha * td_error
    return td_error


def sarsa_update(q_table: np.ndarray, obs: int, action: int, reward: float, next_obs: int,
                 next_action: int, terminated: bool, alpha: float, gamma: float) -> float:
    """One SARSA update of ``q_table`` in place; returns the TD error.

        td_target = r + γ (1 − terminated) Q(s', a')
        td_error  = td_target − Q(s, a)
        Q(s, a)  ← Q(s, a) + α td_error

    Symbols as in :func:`q_learning_update`, plus a' = ``next_action``: the action the ε-greedy
    behaviour policy will really take in s' (on-policy), where Q-learning uses the greedy one.
    """
    next_value = 0.0 if terminated else q_table.item(next_obs, next_action)
    td_target = reward + gamma * next_value
    q_pred = q_table.item(obs, action)
    td_error = td_target - q_pred
    q_table[obs, action] = q_pred + alpha * td_error
    return td_error


def greedy_policy(q_table: np.ndarray) -> Callable[[int], int]:
    """The greedy policy π(s) = argmax_a Q(s, a) as a cheap lookup ``obs -> action``.

    The argmax of every row is taken once, here, so evaluating thousands of episodes costs a list
    lookup per step. Ties go to the lowest action index (deterministic, like ``np.argmax``).
    """
    actions = np.asarray(q_table).argmax(axis=1).tolist()  # (n_states,) as Python ints
    return actions.__getitem__


def greedy_path(q_table: np.ndarray, env: gym.Env | str, *, seed: int = HELDOUT_SEED,
                max_steps: int = 100) -> list[int]:
    """The states the greedy policy visits in one episode, start first (for drawing paths).

    On a deterministic env (CliffWalking, FrozenLake with ``is_slippery=False``) this is *the*
    greedy path; on a slippery one it is one sampled episode. It stops at the end of the episode,
    after ``max_steps``, or when a deterministic env comes back to a state (a loop that would
    never end).

    Args:
        q_table: shape ``(n_states, n_actions)``.
        env: an env id or env.
        seed: the reset seed.
        max_steps: cap on the number of steps.
    """
    with open_env(env) as env:
        policy = greedy_policy(q_table)
        obs, _ = env.reset(seed=seed)
        states = [int(obs)]
        # deterministic: every (state, action) of the env's model has one outcome (FrozenLake
        # keeps no is_slippery attribute to ask; its slippery model has three)
        model = getattr(env.unwrapped, "P", None)
        deterministic = model is not None and all(
            len(outcomes) == 1 for row in model.values() for outcomes in row.values())
        for _ in range(max_steps):
            obs, _, terminated, truncated, _ = env.step(policy(obs))
            looped = deterministic and int(obs) in states
            states.append(int(obs))
            if terminated or truncated or looped:
                break
    return states


# --- configuration ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class TabularConfig:
    """Hyperparameters of tabular Q-learning and SARSA (validated when built).

    ε and α both follow :func:`~rlcourse.training.linear_schedule` over the first ``*_decay_fraction`` of the
    training episodes.
    """

    #: training budget in episodes (``--episodes`` / ``--steps`` on the command line override it)
    episodes: int = 10_000
    #: learning rate α at the start of training, in (0, 1]
    alpha: float = 0.1
    #: learning rate α at the end of its decay, in (0, 1]
    alpha_end: float = 0.1
    #: fraction of the episodes over which α decays linearly, in [0, 1]
    alpha_decay_fraction: float = 1.0
    #: discount factor γ, in [0, 1]
    gamma: float = 0.99
    #: exploration probability ε at the start, in [0, 1]
    epsilon_start: float = 1.0
    #: exploration probability ε after its decay, in [0, 1]
    epsilon_end: float = 0.05
    #: fraction of the episodes over which ε decays linearly, in [0, 1]
    epsilon_decay_fraction: float = 0.5
    #: starting value of every table entry; above the true values it is "optimistic" and explores
    initial_q: float = 0.0
    #: hard cap on a training episode's length, for envs without a time limit (CliffWalking);
    #: an episode cut here is truncated, not terminated
    max_episode_steps: int = 10_000
    #: greedy evaluation on validation seeds every this many episodes (0: never)
    eval_every: int = 500
    #: episodes per periodic evaluation
    eval_episodes: int = 100
    #: episodes of the final greedy evaluation on held-out seeds (``eval.json``)
    final_eval_episodes: int = 100

    def __post_init__(self) -> None:
        check_range("episodes", self.episodes, 1)
        check_range("alpha", self.alpha, 0, 1, low_open=True)
        check_range("alpha_end", self.alpha_end, 0, 1, low_open=True)
        check_range("alpha_decay_fraction", self.alpha_decay_fraction, 0, 1)
        check_range("gamma", self.gamma, 0, 1)
        check_range("epsilon_start", self.epsilon_start, 0, 1)
        check_range("epsilon_end", self.epsilon_end, 0, 1)
        check_range("epsilon_decay_fraction", self.epsilon_decay_fraction, 0, 1)
        check_range("initial_q", self.initial_q)
        check_range("max_episode_steps", self.max_episode_steps, 1)
        check_range("eval_every", self.eval_every, 0)
        check_range("eval_episodes", self.eval_episodes, 1)
        check_range("final_eval_episodes", self.final_eval_episodes, 1)


#: Tuned defaults per env: overrides of :class:`TabularConfig` (``rlcourse train`` uses them).
#: Slippery FrozenLake needs γ close to 1 (the goal is far and every step may slip) and α decaying
#: to small values so the noisy targets average out; Taxi and CliffWalking are deterministic.
TUNED: dict[str, dict[str, Any]] = {
    "FrozenLake-v1": dict(episodes=5_000, gamma=0.999, alpha=0.1, alpha_end=0.01,
                          epsilon_end=0.3, eval_every=500, final_eval_episodes=1000),
    "FrozenLake8x8-v1": dict(episodes=6_000, gamma=0.999, alpha=0.2, alpha_end=0.02,
                             epsilon_end=0.3, eval_every=1000, eval_episodes=50,
                             final_eval_episodes=1000),
    "Taxi-v4": dict(episodes=3_000, gamma=0.99, alpha=0.5, alpha_end=0.1, epsilon_end=0.01,
                    epsilon_decay_fraction=0.5, eval_every=250, final_eval_episodes=2000),
    "CliffWalking-v1": dict(episodes=100, gamma=0.99, alpha=0.5, alpha_end=0.5, epsilon_start=0.1,
                            epsilon_end=0.1, max_episode_steps=1000, eval_every=10, eval_episodes=1,
                            final_eval_episodes=10),
}


def default_config(env_id: str) -> TabularConfig:
    """The tuned :class:`TabularConfig` for ``env_id`` (plain defaults for an env not in :data:`TUNED`)."""
    return TabularConfig(**TUNED.get(env_id, {}))


# --- training --------------------------------------------------------------------------------------

def require_discrete(env: gym.Env, algo: str) -> None:
    """Stop at once, saying why, unless ``env`` has Discrete observations and actions.

    Raises:
        ValueError: observations that are not Discrete (a table needs one row per state) or
            actions that are not Discrete; the message points to DQN or DDPG.
    """
    env_id = env.spec.id if env.spec else type(env.unwrapped).__name__
    if not isinstance(env.observation_space, gym.spaces.Discrete):
        raise ValueError(
            f"{algo} keeps a table with one row per state, so it needs a Discrete observation "
            f"space, but {env_id} observes {env.observation_space}: a continuous state has "
            f"infinitely many values and no table can hold them. Use DQN instead "
            f"(`rlcourse train dqn --env {env_id}`), which replaces the table with a network.")
    require_action_space(env, gym.spaces.Discrete, algo, "DDPG (continuous actions)")


@dataclass
class TabularRun:
    """What :func:`train` returns: the table, the metrics, and what happened."""

    q_table: np.ndarray  # (n_states, n_actions)
    metrics: Metrics
    #: ``(episode, copy of the table after that episode)``, for the step-through widget
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)
    interrupted: bool = False
    steps: int = 0
    episodes: int = 0
    #: wall seconds spent training, periodic evaluations included
    train_seconds: float = 0.0

    @property
    def policy(self) -> Callable[[int], int]:
        """The greedy policy of the table, ``obs -> action`` (:func:`greedy_policy`)."""
        return greedy_policy(self.q_table)


def train(env_id: str, algo: str = "qlearning", config: TabularConfig | None = None, *,
          seed: int = 0, episodes: int | None = None, steps: int | None = None,
          progress: bool = False, snapshot_every: int = 0,
          env_kwargs: dict[str, Any] | None = None) -> TabularRun:
    """Train a Q-table with Q-learning or SARSA and an ε-greedy behaviour policy.

    One row of ``metrics`` per episode (``step, episode, episode_return, epsilon, alpha``) and
    one per periodic greedy evaluation on :data:`~rlcourse.envs.VALIDATION_SEED` seeds
    (``eval_mean_return``). Ctrl-C (or the notebook's stop button) ends training early and
    returns what was learned so far, with ``interrupted=True``.

    Args:
        env_id: a gymnasium id with Discrete observations and actions.
        algo: ``"qlearning"`` or ``"sarsa"``.
        config: hyperparameters; :func:`default_config` of ``env_id`` when None.
        seed: seeds the env, its action space and the exploration generator.
        episodes: training episodes (default ``config.episodes``).
        steps: if given, also stop after this many env steps (whichever budget ends first).
        progress: show a progress bar over episodes.
        snapshot_every: keep a copy of the table every this many episodes (0: none).
        env_kwargs: passed to ``gymnasium.make``, e.g. ``{"is_slippery": False}``.

    Raises:
        ValueError: an unknown ``algo`` or an env that is not tabular (see :func:`require_discrete`).
    """
    if algo not in ALGORITHMS:
        raise ValueError(f"algo must be one of {', '.join(ALGORITHMS)}, got {algo!r}")
    config = default_config(env_id) if config is None else config
    episodes = config.episodes if episodes is None else episodes
    check_range("episodes", episodes, 1)  # 0 is refused, not read as "the config's budget"
    if steps is not None:
        check_range("steps", steps, 1)
    env_kwargs = env_kwargs or {}
    env = make_env(env_id, **env_kwargs)
    eval_env = None
    try:
        require_discrete(env, algo)
        rng = seed_everything(seed)
        env.reset(seed=seed)
        env.action_space.seed(seed)
        eval_env = make_env(env_id, **env_kwargs) if config.eval_every else None
        start = time.perf_counter()
        run = _train_loop(env, eval_env, algo, config, rng, episodes, steps,
                          progress, snapshot_every, env_id)
        run.train_seconds = time.perf_counter() - start
        return run
    finally:
        env.close()
        if eval_env is not None:
            eval_env.close()


def _train_loop(env: gym.Env, eval_env: gym.Env | None, algo: str, config: TabularConfig,
                rng: np.random.Generator, episodes: int, steps: int | None, progress: bool,
                snapshot_every: int, env_id: str) -> TabularRun:
    q_table = np.full((env.observation_space.n, env.action_space.n), config.initial_q,
                      dtype=np.float64)  # (n_states, n_actions)
    metrics = Metrics()
    run = TabularRun(q_table, metrics)
    epsilon_decay = round(config.epsilon_decay_fraction * episodes)
    alpha_decay = round(config.alpha_decay_fraction * episodes)
    step = 0
    with progress_bar(episodes, desc=f"{algo} {env_id}", unit="episode", enabled=progress) as bar, \
            interruptible() as stop:
        for episode in range(1, episodes + 1):
            epsilon = linear_schedule(config.epsilon_start, config.epsilon_end, epsilon_decay, episode - 1)
            alpha = linear_schedule(config.alpha, config.alpha_end, alpha_decay, episode - 1)
            obs, _ = env.reset()
            action = epsilon_greedy(q_table[obs], epsilon, rng)
            episode_return = 0.0
            for t in range(1, config.max_episode_steps + 1):
                next_obs, reward, terminated, truncated, _ = env.step(action)
                step += 1
                episode_return += float(reward)
                if algo == "sarsa":  # on-policy: a' is chosen first, and used in the target
                    next_action = epsilon_greedy(q_table[next_obs], epsilon, rng)
                    sarsa_update(q_table, obs, action, float(reward), next_obs, next_action,
                                 terminated, alpha, config.gamma)
                else:
                    q_learning_update(q_table, obs, action, float(reward), next_obs, terminated,
                                      alpha, config.gamma)
                    next_action = epsilon_greedy(q_table[next_obs], epsilon, rng)
                obs, action = next_obs, next_action
                if terminated or truncated or (steps is not None and step >= steps):
                    break
            metrics.log_episode(step, episode, episode_return, epsilon=epsilon, alpha=alpha)
            run.steps, run.episodes = step, episode
            if snapshot_every and episode % snapshot_every == 0:
                run.snapshots.append((episode, q_table.copy()))
            if eval_env is not None and episode % config.eval_every == 0:
                result = evaluate(eval_env, greedy_policy(q_table), episodes=config.eval_episodes,
                                  seed=VALIDATION_SEED, max_steps=config.max_episode_steps)
                metrics.log_eval(step, episode, result.mean_return)
                show_eval(bar, result.mean_return)
            bar.update()
            if steps is not None and step >= steps:
                break
    run.interrupted = stop.interrupted
    return run  # train() closes both envs, also when the loop raises


# --- command line hooks (rlcourse train qlearning|sarsa, rlcourse evaluate) -----------------------

def train_run(algo: str, env_id: str, *, seed: int, steps: int | None, episodes: int | None,
              out: str | Path, overrides: list[str] | dict[str, Any] | None,
              progress: bool) -> dict[str, Any]:
    """Train with the tuned defaults for ``env_id`` and write the run directory ``out``
    (:func:`~rlcourse.training.write_run`), the table as ``model/`` (a safetensors tensor
    ``q_table`` plus JSON metadata, no pickle); returns the ``eval.json`` record."""
    config = apply_overrides(default_config(env_id), overrides)
    if episodes is not None:
        config = dataclasses.replace(config, episodes=episodes)
    with make_env(env_id) as env:
        require_discrete(env, algo)  # before anything is written
        has_model = hasattr(env.unwrapped, "P")  # the toy-text envs publish theirs

    def train_and_save(model: Path) -> TabularRun:
        from rlcourse.checkpoints import save_checkpoint  # torch: only for writing a run
        import torch

        run = train(env_id, algo, config, seed=seed, steps=steps, progress=progress)
        save_checkpoint(model, {"q_table": torch.from_numpy(run.q_table)},
                        {"algo": algo, "env_id": env_id, "seed": seed,
                         "n_states": int(run.q_table.shape[0]),
                         "n_actions": int(run.q_table.shape[1]), "episodes": run.episodes,
                         "steps": run.steps, "interrupted": run.interrupted})
        return run

    def exact_mean_return(run: TabularRun) -> dict[str, Any]:
        # The sampled mean has a standard error (≈ 0.014 on FrozenLake over 1000 episodes); the
        # env's model gives the greedy policy's exact expected return, the number it estimates.
        if not has_model:
            return {}
        return {"exact_mean_return": round(exact_policy_value(env_id, run.policy), 4)}

    return write_run(out, algo=algo, env_id=env_id, seed=seed, config=config,
                     budget={"episodes": config.episodes, "steps": steps}, train=train_and_save,
                     extra=exact_mean_return)


def load_q_table(run_dir: str | Path) -> np.ndarray:
    """The Q-table saved by :func:`train_run` in ``run_dir`` (or in a ``model/`` directory itself)."""
    import torch

    from rlcourse.checkpoints import load_checkpoint, model_dir, read_meta

    path = model_dir(run_dir)
    meta = read_meta(path)
    q_table = torch.zeros(meta["n_states"], meta["n_actions"], dtype=torch.float64)
    load_checkpoint(path, {"q_table": q_table})
    return q_table.numpy()


def load_policy(run_dir: str | Path) -> Callable[[int], int]:
    """The greedy policy of a saved run, ``obs -> action``."""
    return greedy_policy(load_q_table(run_dir))


# --- exact answers from the env's own model (FrozenLake, CliffWalking, Taxi) ----------------------

def transition_arrays(env: gym.Env | str) -> tuple[np.ndarray, np.ndarray, np.ndarray, int | None]:
    """The env's model ``env.unwrapped.P`` as arrays, plus its time limit.

    Returns:
        ``(p_continue, expected_reward, start, time_limit)`` with shapes ``(S, A, S)``, ``(S, A)``,
        ``(S,)``: ``p_continue[s, a, s']`` is the probability of moving to s' *without*
        terminating (a terminal transition contributes its reward and nothing after it).
    """
    with open_env(env) as env:
        unwrapped = env.unwrapped
        if not hasattr(unwrapped, "P"):
            raise ValueError(f"{env.spec.id if env.spec else unwrapped} publishes no model "
                             "env.unwrapped.P, so it cannot be solved exactly; sample it with "
                             "rlcourse.envs.evaluate instead")
        n_states, n_actions = env.observation_space.n, env.action_space.n
        p_continue = np.zeros((n_states, n_actions, n_states))
        expected_reward = np.zeros((n_states, n_actions))
        for s in range(n_states):
            for a in range(n_actions):
                for prob, next_obs, reward, terminated in unwrapped.P[s][a]:
                    expected_reward[s, a] += prob * reward
                    if not terminated:
                        p_continue[s, a, next_obs] += prob
        start = np.asarray(unwrapped.initial_state_distrib, dtype=np.float64)
        time_limit = env.spec.max_episode_steps if env.spec else None
    return p_continue, expected_reward, start, time_limit


def exact_policy_value(env: gym.Env | str, policy: Callable[[int], int], *,
                       horizon: int | None = None) -> float:
    """The exact expected return of a deterministic policy, from the env's model (no sampling).

    Finite-horizon iterative policy evaluation, undiscounted like :func:`~rlcourse.envs.evaluate`:

        V_0(s) = 0
        V_k(s) = Σ_s' P(s' | s, π(s)) [ r(s, π(s), s') + (1 − terminated) V_{k−1}(s') ]
        value  = Σ_s ρ_0(s) V_H(s)

    with H = ``horizon`` and ρ_0 the start distribution. On FrozenLake (reward 1 at the goal,
    0 elsewhere) the value is the policy's exact success probability within H steps: the number
    a 1000-episode :func:`~rlcourse.envs.evaluate` estimates with a standard error of about
    √(p(1 − p)/1000) ≈ 0.014.

    Args:
        env: an env id or env whose ``env.unwrapped.P`` holds its model (the toy-text envs).
        policy: ``obs -> action``, e.g. :func:`greedy_policy` of a table.
        horizon: steps per episode; None uses the env's time limit (FrozenLake 100, 8x8 200,
            Taxi 200), or evaluate's own cap :data:`~rlcourse.envs.DEFAULT_MAX_STEPS` for an
            env without one (CliffWalking), so the answer is what evaluate samples.
    """
    p_continue, expected_reward, start, time_limit = transition_arrays(env)
    horizon = horizon if horizon is not None else (time_limit or DEFAULT_MAX_STEPS)
    states = np.arange(len(start))
    actions = np.array([policy(s) for s in states])  # (n_states,)
    p_policy = p_continue[states, actions]  # (n_states, n_states)
    reward_policy = expected_reward[states, actions]  # (n_states,)
    value = np.zeros(len(start))
    for _ in range(horizon):
        value = reward_policy + p_policy @ value
    return float(start @ value)


def value_iteration(env: gym.Env | str, *, gamma: float = 1.0, horizon: int | None = None,
                    tolerance: float = 1e-12, max_iterations: int = 100_000) -> np.ndarray:
    """The optimal Q-table Q* of the env's model, by value iteration (no sampling, no learning).

        Q_{k+1}(s, a) = Σ_s' P(s' | s, a) [ r + γ (1 − terminated) max_a' Q_k(s', a') ]

    from Q_0 = 0, repeated until no entry moves by more than ``tolerance``. This is the Bellman
    optimality equation that Q-learning solves from samples; here it is solved with the model,
    so the notebook can show how close a learned table came. ``greedy_policy(value_iteration(env))``
    is an optimal stationary policy (γ = 1 on FrozenLake: the one reaching the goal most often).

    With ``horizon = H`` it stops after exactly H updates instead: Q_H(s, a) is then the best
    expected return with H steps left, which a policy may only reach if it knows the clock
    (a table indexed by the state alone does not).

    Returns:
        Q* (or Q_H), shape ``(n_states, n_actions)``.
    """
    p_continue, expected_reward, _, _ = transition_arrays(env)
    q_table = np.zeros_like(expected_reward)  # (n_states, n_actions)
    if horizon is not None:
        for _ in range(horizon):
            q_table = expected_reward + gamma * p_continue @ q_table.max(axis=1)
        return q_table
    for _ in range(max_iterations):
        new_q_table = expected_reward + gamma * p_continue @ q_table.max(axis=1)
        if np.abs(new_q_table - q_table).max() <= tolerance:
            return new_q_table
        q_table = new_q_table
    raise RuntimeError(f"value iteration did not converge in {max_iterations} iterations; "
                       "lower gamma or raise max_iterations")
