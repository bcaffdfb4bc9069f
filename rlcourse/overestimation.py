"""A problem whose Q-values are known exactly, to see DQN overestimate them (chapter 04).

On CartPole the true Q-values are known only by playing the policy out, and they are still rising
while DQN learns, so a bias hides in the noise. :class:`NoisyChainEnv` is van Hasselt's setting
made into an episode: a chain of ``n_states`` states walked left to right in ``n_states`` steps,
``n_actions`` actions in every state, all of them the same: each moves one state on and pays a
reward drawn from N(0, ``reward_std``²). The episode terminates after the last state. Every
reward has mean 0, so for every state, every action and every policy

    Q(s, a) = E[r + γ r' + ...] = 0,

and anything a Q-network learns above 0 is overestimation. DQN's target
``r + γ max_a' Q(s', a'; θ⁻)`` takes the maximum of ``n_actions`` noisy estimates of 0, which is
above 0 on average, and bootstraps it from the end of the chain to its start; Double DQN picks
a' with the online network and values it with the target network, and most of that bias goes.

The env is registered as :data:`ENV_ID`, so ``rlcourse.dqn.train(ENV_ID, ...)`` trains on it once
this module (or :mod:`rlcourse.envs`, which registers every env of the package) is imported.
Observations are one-hot ``(n_states,)`` float32 vectors of the position.

Example:
    >>> import rlcourse.overestimation as over
    >>> from rlcourse import dqn
    >>> run = dqn.train(over.ENV_ID, dqn.DQNConfig(steps=2_000), seed=0)        # doctest: +SKIP
    >>> over.q_table(run.agent, over.ENV_ID).max(axis=1).mean()  # truth: 0     # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

import rlcourse.envs  # noqa: F401  (registers ENV_ID with the package's other envs: one place)

#: the registered id of :class:`NoisyChainEnv`
ENV_ID = "rlcourse/NoisyChain-v0"


class NoisyChainEnv(gym.Env):
    """``n_states`` states in a row, ``n_actions`` identical actions, rewards N(0, reward_std²).

    Every action moves from state i to state i + 1 and pays a fresh Gaussian reward of mean 0;
    the step out of the last state terminates the episode. True Q(s, a) = 0 everywhere.
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(self, n_states: int = 5, n_actions: int = 10, reward_std: float = 1.0,
                 render_mode: None = None) -> None:
        if render_mode is not None:
            raise ValueError(f"NoisyChainEnv has nothing to draw: render_mode must be None, "
                             f"got {render_mode!r}")
        if not isinstance(n_states, int) or n_states < 1:
            raise ValueError(f"n_states must be a positive int, got {n_states!r}")
        if not isinstance(n_actions, int) or n_actions < 2:
            raise ValueError(f"n_actions must be an int >= 2 (one action leaves no max to "
                             f"overestimate), got {n_actions!r}")
        if not reward_std >= 0:
            raise ValueError(f"reward_std must be >= 0, got {reward_std!r}")
        self.n_states, self.reward_std = n_states, float(reward_std)
        self.observation_space = gym.spaces.Box(0.0, 1.0, shape=(n_states,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(n_actions)
        self.position = 0

    def _obs(self) -> np.ndarray:
        obs = np.zeros(self.n_states, dtype=np.float32)
        obs[self.position] = 1.0
        return obs

    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        self.position = 0
        return self._obs(), {}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        if not self.action_space.contains(action):
            raise ValueError(f"action must be an int in [0, {self.action_space.n}), got {action!r}")
        reward = float(self.np_random.normal(0.0, self.reward_std))  # mean 0: true Q is 0
        self.position += 1
        terminated = self.position == self.n_states
        if terminated:  # the terminal observation: past the end, shown as the last state
            self.position = self.n_states - 1
        return self._obs(), reward, terminated, False, {}


def all_states(n_states: int) -> np.ndarray:
    """Every observation of the chain, one per row: the identity ``(n_states, n_states)``."""
    return np.eye(n_states, dtype=np.float32)


def q_table(agent: Any, env_id: str = ENV_ID, **env_kwargs: Any) -> np.ndarray:
    """The agent's Q(s, a) for every state and action of the chain, ``(n_states, n_actions)``
    (``agent.q_values(obs)`` per state, as :class:`rlcourse.dqn.DQNAgent` gives)."""
    with gym.make(env_id, **env_kwargs) as env:
        n_states = env.unwrapped.n_states
    return np.array([agent.q_values(obs) for obs in all_states(n_states)])
