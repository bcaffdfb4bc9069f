"""Tests of rlcourse.tabular: hand-computed updates, ε-greedy, config, CLI round trip, learning."""

import dataclasses
import json
import math
import time

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.classic_control import CartPoleEnv
from gymnasium.envs.toy_text.frozen_lake import FrozenLakeEnv

from rlcourse import cli, tabular
from rlcourse.checkpoints import read_meta
from rlcourse.envs import VALIDATION_SEED, evaluate, make_env
from rlcourse.runs import Metrics
from rlcourse.tabular import (TabularConfig, default_config, epsilon_greedy, exact_policy_value,
                              greedy_path, greedy_policy, linear_schedule, load_q_table,
                              q_learning_update, require_discrete, sarsa_update, train, train_run,
                              transition_arrays, value_iteration)


class Walk(gym.Env):
    """A corridor of cells 0, 1, ..., ``length``: every action moves one cell right and pays
    s + 1 for leaving cell s (1, 2, 3, ...), plus, when ``noisy``, 10 times a coin of the env's
    seeded generator; reaching the last cell terminates. The actions do not matter, so the loop's
    counting (steps, episodes, returns, ε and α) can be checked by hand. No model ``P``."""

    def __init__(self, length: int = 3, noisy: bool = False, render_mode=None):
        self.length, self.noisy = length, noisy
        self.observation_space = gym.spaces.Discrete(length + 1)
        self.action_space = gym.spaces.Discrete(2)
        self.cell = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.cell = 0
        return 0, {}

    def step(self, action):
        reward = float(self.cell + 1)
        if self.noisy:
            reward += 10.0 * int(self.np_random.integers(2))
        self.cell += 1
        return self.cell, reward, self.cell == self.length, False, {}


class Push(gym.Env):
    """Discrete states but a continuous action (a push in [-1, 1]): not tabular. No spec."""

    observation_space = gym.spaces.Discrete(3)
    action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)


class TinyModel(gym.Env):
    """Two states and two actions with a model ``P`` written as the toy-text envs write theirs.
    From 0: action 0 stays and costs 1; action 1 opens the door with probability 1/4 (reward 2,
    terminal, into state 1) and otherwise stays (reward 0). The start distribution is written in
    ints. No spec, so no time limit."""

    observation_space = gym.spaces.Discrete(2)
    action_space = gym.spaces.Discrete(2)

    def __init__(self):
        self.P = {0: {0: [(1.0, 0, -1.0, False)],
                      1: [(0.25, 1, 2.0, True), (0.75, 0, 0.0, False)]},
                  1: {0: [(1.0, 1, 0.0, True)], 1: [(1.0, 1, 0.0, True)]}}
        self.initial_state_distrib = [1, 0]


class Treadmill(gym.Env):
    """One state, one action, reward 1 for ever: undiscounted, its value grows without end."""

    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(1)

    def __init__(self):
        self.P = {0: {0: [(1.0, 0, 1.0, False)]}}
        self.initial_state_distrib = [1.0]


WALK = "test_tabular/Walk-v0"
#: the slippery lake "S G" with a time limit of 2 steps: "right", "up" and "down" reach the goal
#: with 1/3 each step, so a greedy policy that avoids "left" succeeds with 1 - (2/3)^2 = 5/9
TWO_CELL = "test_tabular/TwoCellLake-v0"
if WALK not in gym.registry:
    gym.register(WALK, entry_point=Walk)
if TWO_CELL not in gym.registry:
    gym.register(TWO_CELL, entry_point=FrozenLakeEnv, max_episode_steps=2,
                 kwargs={"desc": ["SG"], "is_slippery": True})


class Draws:
    """Stands in for the run's ``np.random.Generator``: returns the given uniforms in turn, so a
    draw can land exactly on ε (which a real generator does with probability 2^-53)."""

    def __init__(self, *values):
        self.values = list(values)

    def random(self):
        return self.values.pop(0)


def table():
    q = np.zeros((3, 2))
    q[0] = [1.0, 2.0]
    q[1] = [4.0, 6.0]
    return q


def test_q_learning_ordinary_transition():
    q = table()
    # target = 1 + 0.9 * max(4, 6) = 6.4; error = 6.4 - 2 = 4.4; new = 2 + 0.5 * 4.4 = 4.2
    td_error = q_learning_update(q, 0, 1, 1.0, 1, False, alpha=0.5, gamma=0.9)
    assert td_error == pytest.approx(4.4)
    assert q[0, 1] == pytest.approx(4.2)
    assert q[0, 0] == 1.0 and list(q[1]) == [4.0, 6.0]


def test_q_learning_bootstraps_from_the_best_next_action_not_the_one_taken():
    q = table()
    # a = 0 here, and Q(s', 0) = 4 is not the max: target = 1 + 0.9 * max(4, 6) = 6.4,
    # error = 6.4 - 1 = 5.4, new = 1 + 0.5 * 5.4 = 3.7 (with Q(s', a) it would be 2.3)
    assert q_learning_update(q, 0, 0, 1.0, 1, False, alpha=0.5, gamma=0.9) == pytest.approx(5.4)
    assert q[0, 0] == pytest.approx(3.7)


def test_q_learning_terminated_stops_bootstrap():
    q = table()
    # target = 1 (no future); error = 1 - 2 = -1; new = 2 - 0.5 = 1.5
    assert q_learning_update(q, 0, 1, 1.0, 1, True, alpha=0.5, gamma=0.9) == pytest.approx(-1.0)
    assert q[0, 1] == pytest.approx(1.5)


def test_q_learning_truncated_still_bootstraps():
    # a truncated transition is passed with terminated=False: same as an ordinary one
    q = table()
    q_learning_update(q, 0, 1, 1.0, 1, terminated=False, alpha=0.5, gamma=0.9)
    assert q[0, 1] == pytest.approx(4.2)


def test_sarsa_ordinary_terminated_truncated():
    q = table()
    # a' = 0: target = 1 + 0.9 * 4 = 4.6; error = 2.6; new = 2 + 0.5 * 2.6 = 3.3
    assert sarsa_update(q, 0, 1, 1.0, 1, 0, False, alpha=0.5, gamma=0.9) == pytest.approx(2.6)
    assert q[0, 1] == pytest.approx(3.3)
    q = table()
    assert sarsa_update(q, 0, 1, 1.0, 1, 0, True, alpha=0.5, gamma=0.9) == pytest.approx(-1.0)
    assert q[0, 1] == pytest.approx(1.5)
    q = table()  # truncated: bootstraps like an ordinary transition
    sarsa_update(q, 0, 1, 1.0, 1, 1, terminated=False, alpha=0.5, gamma=0.9)
    assert q[0, 1] == pytest.approx(2 + 0.5 * (1 + 0.9 * 6 - 2))


def test_epsilon_greedy_zero_is_greedy_and_one_is_uniform():
    rng = np.random.default_rng(0)
    q_values = np.array([0.0, 3.0, 1.0, -1.0])
    assert {epsilon_greedy(q_values, 0.0, rng) for _ in range(100)} == {1}
    # each count is Binomial(4000, 1/4): mean 1000, σ = √(4000 · 1/4 · 3/4) = 27.4; 3σ = 82
    counts = np.bincount([epsilon_greedy(q_values, 1.0, rng) for _ in range(4000)], minlength=4)
    assert len(counts) == 4 and np.all(np.abs(counts - 1000) <= 82), counts


def test_epsilon_explores_with_probability_epsilon():
    # ε = 0.2 over 4 actions: the greedy action 1 with 0.8 + 0.2/4 = 0.85, each other with 0.05.
    # 4000 draws: the greedy count is Binomial(4000, 0.85), mean 3400, σ = 22.6; 3σ = 68
    rng = np.random.default_rng(1)
    counts = np.bincount([epsilon_greedy(np.array([0.0, 3.0, 1.0, -1.0]), 0.2, rng)
                          for _ in range(4000)], minlength=4)
    assert abs(counts[1] - 3400) <= 68, counts
    assert np.all(counts[[0, 2, 3]] > 0)


def test_epsilon_greedy_breaks_ties_at_random():
    # a tie between actions 0 and 2: count(0) is Binomial(2500, 1/2), mean 1250, σ = 25, and the
    # bound is 3σ = 75; a 60/40 tie-break would average 1500, 10σ away
    rng = np.random.default_rng(0)
    actions = [epsilon_greedy(np.array([2.0, 0.0, 2.0]), 0.0, rng) for _ in range(2500)]
    assert set(actions) == {0, 2}
    assert abs(actions.count(0) - 1250) <= 75
    assert all(type(a) is int for a in actions[:10])  # a Python int, as the docstring says


@pytest.mark.parametrize("algo", ["qlearning", "sarsa"])
def test_the_loop_bootstraps_through_a_time_limit_but_not_through_a_terminal_state(algo):
    # The lake "S G" without slipping and a time limit of one step: "right" reaches the goal
    # (reward 1, terminated), every other action stays on S and is cut by the limit (reward 0,
    # truncated). One episode, one update with α = 1, γ = 0.5 from a table of 10s:
    #   right:     y = 1                               (terminal: no future)
    #   any other: y = 0 + 0.5 * Q(S, a') = 0.5 * 10 = 5  (truncated: the future still counts)
    # where Q(S, a') = 10 is both the max (Q-learning) and the ε-greedy choice's value (SARSA).
    config = TabularConfig(episodes=1, alpha=1.0, alpha_end=1.0, gamma=0.5, epsilon_start=1.0,
                           epsilon_end=1.0, initial_q=10.0, eval_every=0)
    taken = set()
    for seed in range(8):
        run = train("FrozenLake-v1", algo, config, seed=seed,
                    env_kwargs={"desc": ["SG"], "is_slippery": False, "max_episode_steps": 1})
        changed = np.argwhere(run.q_table != 10.0)
        assert len(changed) == 1 and changed[0][0] == 0, run.q_table
        action = int(changed[0][1])
        assert run.q_table[0, action] == (1.0 if action == 2 else 5.0), (action, run.q_table)
        taken.add(action == 2)
    assert taken == {True, False}  # both kinds of transition were checked


def test_greedy_path_follows_the_table_and_stops_where_a_deterministic_env_loops():
    # CliffWalking's optimal path from 36: up to 24, right along row 1 to 35, down to the goal 47
    q_star = value_iteration("CliffWalking-v1", gamma=1.0)
    assert greedy_path(q_star, "CliffWalking-v1") == [36, *range(24, 36), 47]
    left = np.zeros((48, 4))
    left[:, 3] = 1.0  # "left" from the start walks into the wall: back to 36, a loop
    assert greedy_path(left, "CliffWalking-v1") == [36, 36]
    assert greedy_path(q_star, "CliffWalking-v1", max_steps=3) == [36, 24, 25, 26]


def test_greedy_path_on_a_slippery_lake_is_one_sampled_episode():
    # slipping, a state comes back by chance, not because the policy loops: the episode goes on
    # (to a hole, the goal or max_steps), where a deterministic env would stop at the repeat
    lake = make_env("FrozenLake-v1", is_slippery=True)
    down = np.zeros((16, 4))
    down[:, 1] = 1.0
    path = greedy_path(down, lake, seed=0, max_steps=30)
    first_repeat = next(i for i, s in enumerate(path) if s in path[:i])
    assert first_repeat < len(path) - 1, path
    assert path[-1] in (5, 7, 11, 12, 15) or len(path) == 31  # a hole, the goal, or the cap
    assert greedy_path(down, lake, seed=0, max_steps=30) == path  # seeded: the same sample


def test_greedy_policy_and_schedule():
    policy = greedy_policy(np.array([[0.0, 1.0], [5.0, 5.0]]))
    assert policy(0) == 1 and policy(np.int64(1)) == 0  # ties: lowest index
    assert linear_schedule(1.0, 0.1, 10, 0) == 1.0
    assert linear_schedule(1.0, 0.1, 10, 5) == pytest.approx(0.55)
    assert linear_schedule(1.0, 0.1, 10, 50) == pytest.approx(0.1)


@pytest.mark.parametrize("field, value", [("alpha", 0.0), ("gamma", 1.5), ("epsilon_end", -0.1),
                                          ("episodes", 0), ("alpha_decay_fraction", 2.0)])
def test_config_validation_names_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        TabularConfig(**{field: value})


def test_cartpole_is_rejected_with_a_pointer_to_dqn():
    with pytest.raises(ValueError, match="Discrete observation space.*DQN"):
        train("CartPole-v1", "qlearning", TabularConfig(episodes=1))


def test_same_seed_gives_identical_metrics_bytes_and_another_seed_another_run(tmp_path):
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        cli.main(["train", "sarsa", "--env", "Taxi-v4", "--seed", seed, "--episodes", "50",
                  "--set", "final_eval_episodes=5", "--no-progress", "--out", str(tmp_path / name)])
    metrics = {name: (tmp_path / name / "metrics.csv").read_bytes() for name in "abc"}
    assert metrics["a"] == metrics["b"]
    assert metrics["a"] != metrics["c"]


def test_cli_round_trip(tmp_path, capsys):
    out = tmp_path / "run"
    assert cli.main(["train", "qlearning", "--env", "CliffWalking-v1", "--seed", "0",
                     "--no-progress", "--out", str(out)]) == 0
    for name in ("config.json", "metrics.csv", "eval.json", "model/weights.safetensors",
                 "model/meta.json"):
        assert (out / name).is_file(), name
    header = (out / "metrics.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["step", "episode", "episode_return", "eval_mean_return"]
    stored = json.loads((out / "eval.json").read_text())
    assert set(stored) >= {"env_id", "algo", "seed", "episodes", "returns", "mean_return",
                           "std_return", "first_solved_step", "train_seconds"}
    assert json.loads((out / "config.json").read_text())["hyperparameters"]["alpha"] == 0.5
    capsys.readouterr()
    assert cli.main(["evaluate", str(out)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["returns"] == stored["returns"] and again["mean_return"] == -13.0
    assert stored["exact_mean_return"] == -13.0  # the model's value of the greedy path, no sampling


@pytest.mark.learning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cliffwalking_qlearning_finds_the_optimal_path(seed):
    run = train("CliffWalking-v1", "qlearning", default_config("CliffWalking-v1"), seed=seed)
    assert evaluate("CliffWalking-v1", greedy_policy(run.q_table), episodes=1).mean_return == -13.0


@pytest.mark.learning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frozenlake_qlearning_learns(seed):
    run = train("FrozenLake-v1", "qlearning", default_config("FrozenLake-v1"), seed=seed)
    policy = greedy_policy(run.q_table)
    # exactly as good as the best stationary policy (0.7402 within the 100-step limit; its two
    # optimal actions in state 6 tie) ...
    assert exact_policy_value("FrozenLake-v1", policy) == pytest.approx(0.7402, abs=5e-5)
    # ... which these 1000 held-out episodes sample as 0.729 or 0.744, depending on that tie
    assert evaluate("FrozenLake-v1", policy, episodes=1000).mean_return >= 0.72


def two_cell_lake():
    # S G on one row, slippery: "right" moves right, up or down with 1/3 each; up and down stay put
    return make_env("FrozenLake-v1", desc=["SG"], is_slippery=True)


def test_exact_policy_value_of_a_slippery_two_cell_lake():
    go_right = lambda obs: 2
    # success within H steps = 1 - (2/3)^H
    assert exact_policy_value(two_cell_lake(), go_right, horizon=1) == pytest.approx(1 / 3)
    assert exact_policy_value(two_cell_lake(), go_right, horizon=3) == pytest.approx(19 / 27)
    # default horizon: the env's time limit, 100 steps
    assert exact_policy_value(two_cell_lake(), go_right) == pytest.approx(1 - (2 / 3) ** 100)
    assert exact_policy_value(two_cell_lake(), lambda obs: 0) == 0.0  # left: never gets there


def test_exact_policy_value_of_deterministic_paths():
    lake = make_env("FrozenLake-v1", is_slippery=False)
    # right, right, down, down, down, right: S(0) 1 2 6 10 14 G(15)
    path = {0: 2, 1: 2, 2: 1, 6: 1, 10: 1, 14: 2}
    assert exact_policy_value(lake, lambda obs: path.get(obs, 0)) == 1.0
    assert exact_policy_value(lake, lambda obs: 1) == 0.0  # straight down into the hole at 12
    # CliffWalking: up, 11 x right, down is the optimal path, -13; no time limit, evaluate's cap
    cliff_path = lambda obs: 0 if obs == 36 else (2 if obs == 35 else 1)
    assert exact_policy_value("CliffWalking-v1", cliff_path) == -13.0
    assert exact_policy_value("CliffWalking-v1", cliff_path, horizon=5) == -5.0


def test_value_iteration_solves_the_two_cell_lake():
    # V = 1/3 + 2/3 * 0.9 * V  =>  V = 5/6; "left" slips left, up or down: always stays, 0.9 * V
    q_star = value_iteration(two_cell_lake(), gamma=0.9)
    assert q_star[0] == pytest.approx([0.75, 5 / 6, 5 / 6, 5 / 6])
    assert list(q_star[1]) == [0.0] * 4  # the goal is terminal: no future
    assert value_iteration("CliffWalking-v1")[36].max() == pytest.approx(-13.0)
    # H steps to go, γ = 1: success within H steps, 1/3 then 1/3 + 2/3 * 1/3
    assert value_iteration(two_cell_lake(), horizon=1)[0, 2] == pytest.approx(1 / 3)
    assert value_iteration(two_cell_lake(), horizon=2)[0, 2] == pytest.approx(5 / 9)


def test_value_iteration_stops_at_a_fixed_point_or_says_it_did_not_converge():
    # float64 reaches the fixed point exactly, so even a tolerance of 0 ends the iteration
    q_star = value_iteration(two_cell_lake(), gamma=0.9, tolerance=0.0)
    assert q_star[0, 2] == pytest.approx(5 / 6)
    with pytest.raises(RuntimeError) as error:
        value_iteration(two_cell_lake(), gamma=0.9, max_iterations=3)
    assert str(error.value) == ("value iteration did not converge in 3 iterations; lower gamma or "
                                "raise max_iterations")


def test_exact_evaluation_needs_a_model():
    with pytest.raises(ValueError, match="no model"):
        exact_policy_value("CartPole-v1", lambda obs: 0)


@pytest.mark.learning
def test_cliffwalking_sarsa_takes_the_safer_path_and_earns_more_online():
    """Sutton & Barto's Example 6.6, ε = 0.1 fixed: over 3 seeds, SARSA's greedy path keeps away
    from the cliff (longer than 13 steps) and its online returns beat Q-learning's."""
    config = dataclasses.replace(default_config("CliffWalking-v1"), episodes=300, eval_every=0)
    for seed in range(3):
        online = {}
        for algo in ("qlearning", "sarsa"):
            run = train("CliffWalking-v1", algo, config, seed=seed)
            online[algo] = np.mean([value for _, value in run.metrics.column("episode_return")][100:])
            greedy = evaluate("CliffWalking-v1", greedy_policy(run.q_table), episodes=1).mean_return
            if algo == "qlearning":
                assert greedy == -13.0
            else:
                assert -100.0 < greedy < -13.0
        assert online["sarsa"] > online["qlearning"] + 5


# --- ε-greedy: the coin is u < ε, and a unique best costs no tie-break draw ----------------------

def test_epsilon_greedy_explores_only_when_the_draw_is_below_epsilon():
    q_values = np.array([0.0, 3.0, 1.0, -1.0])
    # u = ε exactly is not below ε: greedy. (P(u < ε) = ε for u uniform in [0, 1); with u <= ε an
    # ε = 0 agent would still explore whenever u came out 0.0.)
    assert epsilon_greedy(q_values, 0.5, Draws(0.5, 0.0)) == 1
    assert epsilon_greedy(q_values, 0.0, Draws(0.0, 0.0)) == 1
    # just below: explore, the action floor(u' * 4) of the next draw u'
    assert epsilon_greedy(q_values, 0.5, Draws(0.4999, 0.99)) == 3
    assert epsilon_greedy(q_values, 0.5, Draws(0.4999, 0.0)) == 0
    # a tie between 0 and 2 is broken by the next draw: floor(0.6 * 2) = 1, the second of them
    assert epsilon_greedy(np.array([2.0, 0.0, 2.0]), 0.5, Draws(0.9, 0.6)) == 2
    assert epsilon_greedy(np.array([2.0, 0.0, 2.0]), 0.5, Draws(0.9, 0.4)) == 0


def test_a_greedy_choice_with_one_best_action_draws_only_the_coin():
    # the run's stream of random numbers is part of what makes a seed reproduce a run: one draw
    # for the ε coin, none for a tie-break that is not needed
    draws = Draws(0.9)
    assert epsilon_greedy(np.array([0.0, 3.0, 1.0]), 0.5, draws) == 1
    assert draws.values == []
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    epsilon_greedy(np.array([0.0, 3.0, 1.0]), 0.0, rng)
    twin.random()
    assert rng.random() == twin.random()


def test_updates_read_and_write_the_row_of_the_state_given():
    q = table()
    # state 1, action 0: Q = 4; SARSA target 1 + 0.9 * Q(0, 1) = 2.8, error -1.2, new 4 - 0.6 = 3.4
    assert sarsa_update(q, 1, 0, 1.0, 0, 1, False, alpha=0.5, gamma=0.9) == pytest.approx(-1.2)
    assert q[1, 0] == pytest.approx(3.4) and q[0, 0] == 1.0
    q = table()
    # Q-learning: target 1 + 0.9 * max(1, 2) = 2.8, the same error
    assert q_learning_update(q, 1, 0, 1.0, 0, False, alpha=0.5, gamma=0.9) == pytest.approx(-1.2)
    assert q[1, 0] == pytest.approx(3.4) and q[0, 0] == 1.0


# --- the training loop: one row per episode, counted by hand on the Walk corridor -----------------

def walk_config(**changes):
    return TabularConfig(**{"episodes": 2, "eval_every": 0, **changes})


def test_metrics_have_one_row_per_episode_with_steps_returns_and_the_schedules():
    # Walk of 3 cells: every episode is 3 steps and returns 1 + 2 + 3 = 6, whatever the actions.
    # ε goes 1 -> 0 over round(0.5 * 4) = 2 episodes: 1, 0.5, 0, 0 (episode k uses t = k - 1);
    # α goes 1 -> 0.5 over all 4: 1, 0.875, 0.75, 0.625
    config = walk_config(episodes=4, epsilon_start=1.0, epsilon_end=0.0, epsilon_decay_fraction=0.5,
                         alpha=1.0, alpha_end=0.5, alpha_decay_fraction=1.0)
    run = train(WALK, "qlearning", config, seed=0)
    assert run.metrics.rows == [
        {"step": 3, "episode": 1, "episode_return": 6.0, "epsilon": 1.0, "alpha": 1.0},
        {"step": 6, "episode": 2, "episode_return": 6.0, "epsilon": 0.5, "alpha": 0.875},
        {"step": 9, "episode": 3, "episode_return": 6.0, "epsilon": 0.0, "alpha": 0.75},
        {"step": 12, "episode": 4, "episode_return": 6.0, "epsilon": 0.0, "alpha": 0.625}]
    assert (run.steps, run.episodes) == (12, 4)
    assert run.interrupted is False


@pytest.mark.parametrize("algo", ["qlearning", "sarsa"])
def test_a_step_budget_ends_training_mid_episode_or_at_an_episode_end(algo):
    config = walk_config(episodes=10, epsilon_start=0.5, epsilon_end=0.5, alpha=0.5, alpha_end=0.5)
    # 5 steps: episode 1 whole (6), episode 2 cut after 2 steps (1 + 2 = 3), logged all the same
    run = train(WALK, algo, config, seed=0, steps=5)
    assert [(row["step"], row["episode"], row["episode_return"]) for row in run.metrics.rows] == [
        (3, 1, 6.0), (5, 2, 3.0)]
    assert (run.steps, run.episodes, run.interrupted) == (5, 2, False)
    # 3 steps end with episode 1: no episode 2 is started
    run = train(WALK, algo, config, seed=0, steps=3)
    assert [(row["step"], row["episode"]) for row in run.metrics.rows] == [(3, 1)]
    assert (run.steps, run.episodes) == (3, 1)


@pytest.mark.parametrize("algo", ["qlearning", "sarsa"])
def test_max_episode_steps_cuts_an_episode_and_the_cut_still_bootstraps(algo):
    # Walk of 10 cells cut at 3 steps: returns 1 + 2 + 3 = 6. α = 1, γ = 0.25, ε = 0, from a table
    # of 10 (written as an int, as Python allows: the table is float64 all the same). Each step
    # sets Q(s, a) = (s + 1) + 0.25 * 10: the next row still holds an untouched 10, which is its
    # max (Q-learning) and, ε being 0, the action chosen there (SARSA). The last step was cut, not
    # terminal: Q(2, a) = 3 + 2.5 = 5.5, not 3.
    config = walk_config(alpha=1.0, alpha_end=1.0, gamma=0.25, epsilon_start=0.0, epsilon_end=0.0,
                         initial_q=10, max_episode_steps=3)
    run = train(WALK, algo, config, seed=0, env_kwargs={"length": 10})
    assert [(row["step"], row["episode_return"]) for row in run.metrics.rows] == [(3, 6.0), (6, 6.0)]
    assert run.q_table.dtype == np.float64
    changed = {(int(s), float(run.q_table[s, a])) for s, a in np.argwhere(run.q_table != 10.0)}
    assert changed <= {(0, 3.5), (1, 4.5), (2, 5.5)} and {s for s, _ in changed} == {0, 1, 2}
    assert np.all(run.q_table[3:] == 10.0)


def test_snapshots_every_k_episodes_are_copies_of_the_table_then():
    # ε and α constant, so the first 2 (or 4) episodes of a 5-episode run are a 2- (4-) episode run
    config = walk_config(episodes=5, epsilon_start=1.0, epsilon_end=1.0, alpha=0.5, alpha_end=0.5)
    run = train(WALK, "qlearning", config, seed=1, snapshot_every=2)
    assert [episode for episode, _ in run.snapshots] == [2, 4]
    for episode, snapshot in run.snapshots:
        shorter = train(WALK, "qlearning", config, seed=1, episodes=episode)
        assert np.array_equal(snapshot, shorter.q_table), episode
        assert snapshot is not run.q_table
    assert not np.array_equal(run.snapshots[0][1], run.snapshots[1][1])
    assert train(WALK, "qlearning", config, seed=1).snapshots == []  # by default: none


def test_periodic_evaluation_every_eval_every_episodes_on_validation_seeds():
    # The noisy Walk of 4 cells, cut at 3 steps in training and in evaluation. Every action does
    # the same, so each evaluation is the greedy policy's (any policy's) mean return over
    # eval_episodes = 3 episodes seeded from VALIDATION_SEED, capped at max_episode_steps
    config = walk_config(episodes=5, eval_every=2, eval_episodes=3, max_episode_steps=3)
    kwargs = {"length": 4, "noisy": True}
    run = train(WALK, "qlearning", config, seed=0, env_kwargs=kwargs)
    expected = evaluate(make_env(WALK, **kwargs), lambda obs: 0, episodes=3, seed=VALIDATION_SEED,
                        max_steps=3).mean_return
    evals = [row for row in run.metrics.rows if "eval_mean_return" in row]
    assert evals == [{"step": 6, "episode": 2, "eval_mean_return": expected},
                     {"step": 12, "episode": 4, "eval_mean_return": expected}]
    # what the wrong settings would measure instead, each different from the right one
    wrong = {evaluate(make_env(WALK, **kwargs), lambda obs: 0, episodes=20, seed=VALIDATION_SEED,
                      max_steps=3).mean_return,
             evaluate(make_env(WALK, **kwargs), lambda obs: 0, episodes=3, max_steps=3).mean_return,
             evaluate(make_env(WALK, **kwargs), lambda obs: 0, episodes=3,
                      seed=VALIDATION_SEED).mean_return,
             evaluate(make_env(WALK), lambda obs: 0, episodes=3, seed=VALIDATION_SEED,
                      max_steps=3).mean_return}
    assert expected not in wrong
    # the rows in order: an episode's row, then its evaluation
    assert [("eval_mean_return" in row, row["episode"]) for row in run.metrics.rows] == [
        (False, 1), (False, 2), (True, 2), (False, 3), (False, 4), (True, 4), (False, 5)]
    assert not any("eval_mean_return" in row for row in train(WALK, "qlearning", walk_config(
        episodes=5, eval_every=0), seed=0).metrics.rows)


def test_sarsa_values_the_policy_it_follows_and_qlearning_the_greedy_one():
    # ε = 1: both follow the uniformly random policy and draw the same numbers, so on the same seed
    # they walk the same CliffWalking episodes (the same returns); only the targets differ,
    # Q(s', a') of the action taken against max_a' Q(s', a'). By induction over the updates,
    # SARSA's table stays at or below Q-learning's, and below it where a' was not the best.
    config = TabularConfig(episodes=5, alpha=0.5, alpha_end=0.5, gamma=0.9, epsilon_start=1.0,
                           epsilon_end=1.0, max_episode_steps=50, eval_every=0)
    sarsa = train("CliffWalking-v1", "sarsa", config, seed=0)
    qlearning = train("CliffWalking-v1", "qlearning", config, seed=0)
    assert sarsa.metrics.rows == qlearning.metrics.rows
    assert np.all(sarsa.q_table <= qlearning.q_table + 1e-9)
    assert np.any(sarsa.q_table < qlearning.q_table - 0.1)


# --- train: its defaults and messages --------------------------------------------------------------

def test_train_defaults_qlearning_seed_0_no_snapshots_and_no_bar(capsys, monkeypatch):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")
    config = walk_config(episodes=4, epsilon_start=1.0, epsilon_end=1.0, alpha=0.5, alpha_end=0.5)
    run = train(WALK, config=config)
    assert capsys.readouterr().err == ""  # progress=False by default
    assert run.snapshots == []
    same = train(WALK, "qlearning", config, seed=0)
    assert np.array_equal(run.q_table, same.q_table) and run.metrics.rows == same.metrics.rows
    assert not np.array_equal(run.q_table, train(WALK, "qlearning", config, seed=1).q_table)
    assert not np.array_equal(run.q_table, train(WALK, "sarsa", config, seed=0).q_table)


def test_train_without_a_config_uses_the_tuned_one():
    # CliffWalking's tuned α = 0.5 and ε = 0.1 (the plain defaults are 0.1 and 1 -> 0.05)
    run = train("CliffWalking-v1", seed=0, steps=20)
    assert {(row["alpha"], row["epsilon"]) for row in run.metrics.rows} == {(0.5, 0.1)}


def test_train_seconds_is_the_wall_time_of_training():
    start = time.perf_counter()
    run = train(WALK, "qlearning", walk_config(episodes=20))
    assert 0 < run.train_seconds <= time.perf_counter() - start


def test_progress_bar_counts_episodes_under_the_algorithm_and_env(capsys, monkeypatch):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")
    train(WALK, "sarsa", walk_config(episodes=4), seed=0, progress=True)
    err = capsys.readouterr().err
    assert "sarsa test_tabular/Walk-v0" in err, err
    assert "4/4" in err and ("episode/s" in err or "s/episode" in err), err
    train(WALK, "sarsa", walk_config(episodes=4), seed=0, progress=False)
    assert capsys.readouterr().err == ""


def test_an_unknown_algo_is_refused_with_the_choices():
    with pytest.raises(ValueError) as error:
        train(WALK, "dqn", walk_config())
    assert str(error.value) == "algo must be one of qlearning, sarsa, got 'dqn'"


def test_default_config_is_the_tuned_one_or_the_plain_defaults():
    cliff = default_config("CliffWalking-v1")
    assert (cliff.episodes, cliff.alpha, cliff.epsilon_start, cliff.max_episode_steps) == (100, 0.5, 0.1,
                                                                                           1000)
    assert default_config("FrozenLake-v1").gamma == 0.999
    assert default_config("Acrobot-v1") == TabularConfig()


# --- TabularConfig: every field's range, its ends, and the message ----------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("episodes", 0, "episodes must be in [1, inf], got 0"),
    ("alpha", 0.0, "alpha must be in (0, 1], got 0.0"),
    ("alpha", 1.01, "alpha must be in (0, 1], got 1.01"),
    ("alpha_end", 0.0, "alpha_end must be in (0, 1], got 0.0"),
    ("alpha_end", 1.01, "alpha_end must be in (0, 1], got 1.01"),
    ("alpha_decay_fraction", -0.01, "alpha_decay_fraction must be in [0, 1], got -0.01"),
    ("alpha_decay_fraction", 1.01, "alpha_decay_fraction must be in [0, 1], got 1.01"),
    ("gamma", -0.01, "gamma must be in [0, 1], got -0.01"),
    ("gamma", 1.01, "gamma must be in [0, 1], got 1.01"),
    ("epsilon_start", -0.01, "epsilon_start must be in [0, 1], got -0.01"),
    ("epsilon_start", 1.01, "epsilon_start must be in [0, 1], got 1.01"),
    ("epsilon_end", -0.01, "epsilon_end must be in [0, 1], got -0.01"),
    ("epsilon_end", 1.01, "epsilon_end must be in [0, 1], got 1.01"),
    ("epsilon_decay_fraction", -0.01, "epsilon_decay_fraction must be in [0, 1], got -0.01"),
    ("epsilon_decay_fraction", 1.01, "epsilon_decay_fraction must be in [0, 1], got 1.01"),
    ("initial_q", math.inf, "initial_q must be in [-inf, inf], got inf"),
    ("initial_q", math.nan, "initial_q must be in [-inf, inf], got nan"),
    ("max_episode_steps", 0, "max_episode_steps must be in [1, inf], got 0"),
    ("eval_every", -1, "eval_every must be in [0, inf], got -1"),
    ("eval_episodes", 0, "eval_episodes must be in [1, inf], got 0"),
    ("final_eval_episodes", 0, "final_eval_episodes must be in [1, inf], got 0"),
])
def test_config_refuses_a_value_just_outside_its_range_with_the_range(field, value, message):
    with pytest.raises(ValueError) as error:
        TabularConfig(**{field: value})
    assert str(error.value) == message


@pytest.mark.parametrize("field, value", [
    ("episodes", 1), ("alpha", 1.0), ("alpha", 1e-9), ("alpha_end", 1.0), ("alpha_end", 1e-9),
    ("alpha_decay_fraction", 0.0), ("alpha_decay_fraction", 1.0), ("gamma", 0.0), ("gamma", 1.0),
    ("epsilon_start", 0.0), ("epsilon_start", 1.0), ("epsilon_end", 0.0), ("epsilon_end", 1.0),
    ("epsilon_decay_fraction", 0.0), ("epsilon_decay_fraction", 1.0), ("initial_q", -1e6),
    ("initial_q", 1e6), ("max_episode_steps", 1), ("eval_every", 0), ("eval_episodes", 1),
    ("final_eval_episodes", 1),
])
def test_config_accepts_the_ends_of_its_ranges(field, value):
    assert getattr(TabularConfig(**{field: value}), field) == value


# --- require_discrete: what a non-tabular env is told ----------------------------------------------

def test_continuous_observations_are_refused_with_the_reason_and_the_dqn_command():
    space = make_env("CartPole-v1").observation_space
    with pytest.raises(ValueError) as error:
        train("CartPole-v1", "sarsa", walk_config())
    assert str(error.value) == (
        f"sarsa keeps a table with one row per state, so it needs a Discrete observation space, "
        f"but CartPole-v1 observes {space}: a continuous state has infinitely many values and no "
        f"table can hold them. Use DQN instead (`rlcourse train dqn --env CartPole-v1`), which "
        f"replaces the table with a network.")
    # an env made without gymnasium.make has no spec: it is named by its class
    with pytest.raises(ValueError) as error:
        require_discrete(CartPoleEnv(), "qlearning")
    assert str(error.value).startswith(
        "qlearning keeps a table with one row per state, so it needs a Discrete observation space, "
        "but CartPoleEnv observes Box(")
    assert "(`rlcourse train dqn --env CartPoleEnv`)" in str(error.value)


def test_continuous_actions_are_refused_with_a_pointer_to_ddpg():
    with pytest.raises(ValueError) as error:
        require_discrete(Push(), "sarsa")
    assert str(error.value) == (
        f"sarsa needs a Discrete action space, but Push has Box ({Push.action_space}). "
        "Use DDPG (continuous actions) for this environment.")
    require_discrete(make_env(WALK), "sarsa")  # Discrete both: passes


# --- train_run: the run folder of `rlcourse train qlearning|sarsa` ----------------------------------

def test_train_run_writes_config_metrics_model_and_exact_eval(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")
    out = tmp_path / "run"
    # γ = 0: "left" (which never reaches the goal) keeps Q = 0 while the other three go positive
    # at their first success, so the greedy policy succeeds with 5/9 within the 2-step limit
    overrides = ["gamma=0", "final_eval_episodes=5", "eval_every=0"]
    record = train_run("qlearning", TWO_CELL, seed=3, steps=30, episodes=25, out=out,
                       overrides=overrides, progress=True)
    assert "qlearning test_tabular/TwoCellLake-v0" in capsys.readouterr().err  # progress passed on
    config = TabularConfig(episodes=25, gamma=0.0, final_eval_episodes=5, eval_every=0)
    stored = json.loads((out / "config.json").read_text())
    assert {key: stored[key] for key in ("algo", "env_id", "seed", "episodes", "steps")} == {
        "algo": "qlearning", "env_id": TWO_CELL, "seed": 3, "episodes": 25, "steps": 30}
    assert stored["hyperparameters"] == dataclasses.asdict(config)
    # the step budget ended training before episode 25; the table is the one train() learns
    expected = train(TWO_CELL, "qlearning", config, seed=3, steps=30)
    assert expected.steps == 30 and expected.episodes < 25
    metrics = Metrics.from_csv(out / "metrics.csv")
    assert metrics.rows[-1]["step"] == 30 and len(metrics) == expected.episodes
    meta = read_meta(out / "model")
    assert {key: meta[key] for key in ("algo", "env_id", "seed", "n_states", "n_actions", "episodes",
                                       "steps", "interrupted")} == {
        "algo": "qlearning", "env_id": TWO_CELL, "seed": 3, "n_states": 2, "n_actions": 4,
        "episodes": expected.episodes, "steps": 30, "interrupted": False}
    loaded = load_q_table(out)
    assert loaded.dtype == np.float64 and np.array_equal(loaded, expected.q_table)
    assert greedy_policy(loaded)(0) != 0
    assert record["exact_mean_return"] == 0.5556  # 5/9 to 4 digits
    assert json.loads((out / "eval.json").read_text()) == record
    assert record["seed"] == 3 and len(record["returns"]) == 5


def test_train_run_starts_from_the_tuned_config_of_the_env(tmp_path):
    out = tmp_path / "run"
    train_run("sarsa", "FrozenLake-v1", seed=0, steps=20, episodes=None, out=out,
              overrides={"final_eval_episodes": 10}, progress=False)
    stored = json.loads((out / "config.json").read_text())
    tuned = dataclasses.replace(default_config("FrozenLake-v1"), final_eval_episodes=10)
    assert stored["hyperparameters"] == dataclasses.asdict(tuned)
    assert (stored["episodes"], stored["steps"]) == (5000, 20)
    assert read_meta(out / "model")["steps"] == 20


def test_train_run_refuses_a_non_tabular_env_before_writing_anything(tmp_path):
    with pytest.raises(ValueError) as error:
        train_run("sarsa", "CartPole-v1", seed=0, steps=10, episodes=None, out=tmp_path / "run",
                  overrides=None, progress=False)
    assert str(error.value).startswith("sarsa keeps a table with one row per state")
    assert not (tmp_path / "run").exists()


# --- greedy_path, transition_arrays, value_iteration: defaults and envs without a model ------------

def test_greedy_path_stops_after_100_steps_by_default():
    # slippery "S G" with a time limit of 1000 steps, past the cap: "left" slips left, up or down,
    # and on a one-row lake each of those stays on S; not deterministic, so the repeats go on
    lake = make_env("FrozenLake-v1", desc=["SG"], is_slippery=True, max_episode_steps=1000)
    left = np.zeros((2, 4))
    left[:, 0] = 1.0
    assert greedy_path(left, lake) == [0] * 101


def test_greedy_path_on_an_env_without_a_model_runs_to_the_end():
    assert greedy_path(np.zeros((4, 2)), make_env(WALK)) == [0, 1, 2, 3]


def test_transition_arrays_of_a_tiny_model():
    p_continue, expected_reward, start, time_limit = transition_arrays(TinyModel())
    assert p_continue.tolist() == [[[1.0, 0.0], [0.75, 0.0]], [[0.0, 0.0], [0.0, 0.0]]]
    assert expected_reward.tolist() == [[-1.0, 0.5], [0.0, 0.0]]  # 1/4 * 2 + 3/4 * 0
    assert start.tolist() == [1.0, 0.0] and start.dtype == np.float64
    assert time_limit is None  # no spec, no time limit
    assert transition_arrays("FrozenLake-v1")[3] == 100
    assert transition_arrays("Taxi-v4")[3] == 200
    assert transition_arrays("CliffWalking-v1")[3] is None
    assert transition_arrays(FrozenLakeEnv(desc=["SG"]))[3] is None


def test_transition_arrays_says_which_env_has_no_model():
    message = ("publishes no model env.unwrapped.P, so it cannot be solved exactly; sample it with "
               "rlcourse.envs.evaluate instead")
    with pytest.raises(ValueError) as error:
        transition_arrays("CartPole-v1")
    assert str(error.value) == f"CartPole-v1 {message}"
    env = CartPoleEnv()
    with pytest.raises(ValueError) as error:
        transition_arrays(env)
    assert str(error.value) == f"{env} {message}"


def test_value_iteration_gives_up_after_100000_iterations_by_default():
    # undiscounted, the treadmill's value k after k updates never settles
    with pytest.raises(RuntimeError, match="did not converge in 100000 iterations"):
        value_iteration(Treadmill())


class _Counted(Walk):
    """A Walk that counts its closes and, given ``break_at``, raises on that step of its first
    episode (a learner's env with a bug)."""

    closed: list[str] = []

    def __init__(self, length: int = 5, break_at: int | None = None, render_mode=None):
        super().__init__(length)
        self.break_at = break_at

    def step(self, action):
        if self.break_at is not None and self.cell + 1 == self.break_at:
            raise RuntimeError("the env broke")
        return super().step(action)

    def close(self):
        _Counted.closed.append("closed")


COUNTED = "test_tabular/Counted-v0"
if COUNTED not in gym.registry:
    gym.register(COUNTED, entry_point=_Counted)


def test_a_loop_that_raises_closes_its_training_and_its_evaluation_env():
    _Counted.closed.clear()
    config = tabular.TabularConfig(episodes=3, eval_every=1, eval_episodes=1)
    with pytest.raises(RuntimeError, match="the env broke"):
        tabular.train(COUNTED, config=config, seed=0, env_kwargs={"break_at": 3})
    assert _Counted.closed == ["closed", "closed"]  # the env trained on and the evaluation env


@pytest.mark.parametrize("eval_every, closes", [(1, 2), (0, 1)])
def test_a_finished_run_closes_each_of_its_envs_once(eval_every, closes):
    _Counted.closed.clear()
    tabular.train(COUNTED, config=tabular.TabularConfig(episodes=2, eval_every=eval_every,
                                                        eval_episodes=1))
    assert _Counted.closed == ["closed"] * closes  # no evaluation env without evaluations


@pytest.mark.parametrize("budget, message", [
    ({"episodes": 0}, "episodes must be in [1, inf], got 0"),
    ({"episodes": -2}, "episodes must be in [1, inf], got -2"),
    ({"steps": 0}, "steps must be in [1, inf], got 0"),
])
def test_a_budget_of_nothing_is_refused_not_read_as_the_configs(budget, message):
    # episodes=0 used to fall back on config.episodes (``episodes or config.episodes``)
    with pytest.raises(ValueError) as error:
        tabular.train(WALK, config=tabular.TabularConfig(episodes=4), **budget)
    assert str(error.value) == message


def test_steps_and_episodes_both_cap_the_run_whichever_ends_first():
    config = tabular.TabularConfig(episodes=100, eval_every=0)
    # Walk(3): 3 steps an episode
    assert tabular.train(WALK, config=config, steps=7).steps == 7  # steps end first
    run = tabular.train(WALK, config=config, episodes=2, steps=1000)
    assert (run.steps, run.episodes) == (6, 2)  # episodes end first
