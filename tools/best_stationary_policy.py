"""The best success rate any Q-table can reach on FrozenLake within its time limit, by brute force.

A Q-table's greedy policy is *stationary*: it picks an action from the state alone, never from
the clock. This script evaluates every deterministic stationary policy of a small toy-text env
exactly (finite-horizon policy evaluation from the env's model, as in
``rlcourse.tabular.exact_policy_value``) and prints the best ones. States whose action cannot
matter (holes, the goal) are left out of the enumeration.

    .venv/bin/python tools/best_stationary_policy.py                  # FrozenLake-v1, 4x4 slippery

Measured on the 2-core course machine (2026-11-30), FrozenLake-v1 with its 100-step limit:
4^11 = 4,194,304 policies in 100 s on an idle machine; the best is 0.740165,
reached by exactly two policies that differ only in state 6 (LEFT or RIGHT: between two holes,
each slips into one with probability 1/3). ``rlcourse train qlearning --env FrozenLake-v1``
learns one of the two on every seed 0-4 (seeds 0-1 LEFT, 2-4 RIGHT; ``exact_mean_return`` 0.7402
in ``eval.json``); on the same 1000 held-out episodes they sample 0.729 and 0.744. The 0.744
quoted for this env as its optimum needs a policy that knows the clock
(``value_iteration(env, horizon=100)``), which a table indexed by the state cannot be.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rlcourse.envs import make_env  # noqa: E402
from rlcourse.tabular import exact_policy_value, transition_arrays  # noqa: E402


def policy_table(number: int, free: list[int], n_states: int, n_actions: int) -> np.ndarray:
    """Policy ``number`` of the enumeration: one action per free state (its base-A digits)."""
    table = np.zeros(n_states, dtype=np.int64)
    for s in free:
        table[s], number = number % n_actions, number // n_actions
    return table


def stationary_policy_values(env: gym.Env, horizon: int | None = None,
                             chunk: int = 1 << 16) -> tuple[list[int], torch.Tensor]:
    """The exact value of every deterministic stationary policy, by finite-horizon evaluation.

    Returns ``(free, values)``: the states whose action matters, and ``values[n]``, the expected
    return within ``horizon`` steps (default: the env's time limit) of :func:`policy_table` ``n``.
    """
    p_continue, expected_reward, start, time_limit = transition_arrays(env)
    horizon = horizon if horizon is not None else time_limit
    n_states, n_actions = expected_reward.shape
    # a state matters when its actions differ in what they do (not in a hole or at the goal)
    free = [s for s in range(n_states)
            if any(not (np.array_equal(p_continue[s, a], p_continue[s, 0])
                        and expected_reward[s, a] == expected_reward[s, 0])
                   for a in range(n_actions))]
    total = n_actions ** len(free)
    p = torch.as_tensor(p_continue)       # (S, A, S)
    r = torch.as_tensor(expected_reward)  # (S, A)
    rho = torch.as_tensor(start)          # (S,)
    values = torch.empty(total, dtype=torch.float64)
    for first in range(0, total, chunk):
        index = torch.arange(first, min(first + chunk, total))
        actions = torch.zeros(len(index), n_states, dtype=torch.int64)
        rest = index.clone()
        for s in free:
            actions[:, s] = rest % n_actions
            rest //= n_actions
        states = torch.arange(n_states).expand_as(actions)
        p_pi, r_pi = p[states, actions], r[states, actions]  # (C, S, S), (C, S)
        v = torch.zeros_like(r_pi)
        for _ in range(horizon):  # V_k = r_π + P_π V_{k-1}, as in exact_policy_value
            v = r_pi + torch.bmm(p_pi, v.unsqueeze(2)).squeeze(2)
        values[index] = v @ rho
    return free, values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--env", default="FrozenLake-v1")
    parser.add_argument("--top", type=int, default=5, help="how many of the best policies to print")
    args = parser.parse_args()
    torch.set_num_threads(1)
    env = make_env(args.env)
    n_states, n_actions = env.observation_space.n, env.action_space.n
    began = time.perf_counter()
    free, values = stationary_policy_values(env)
    print(f"{args.env}: {len(free)} states whose action matters, {len(values):,} stationary "
          f"policies, evaluated in {time.perf_counter() - began:.0f} s")
    for number in torch.argsort(values, descending=True)[:args.top].tolist():
        table = policy_table(number, free, n_states, n_actions)
        check = exact_policy_value(env, lambda s: int(table[s]))
        print(f"{values[number].item():.6f} (exact_policy_value: {check:.6f})  "
              f"actions of the free states {dict((s, int(table[s])) for s in free)}")
    env.close()


if __name__ == "__main__":
    main()
