"""Tests of rlcourse.dqn (and QNetwork): hand-computed targets and losses, the update, the loop."""

from __future__ import annotations

import copy
import dataclasses
import json
import math
import os
import re
import signal
import threading

import numpy as np
import pytest
import torch

from rlcourse import dqn
from rlcourse.checkpoints import read_meta
from rlcourse.cli import main as cli_main
from rlcourse.envs import VALIDATION_SEED, evaluate, make_env, seed_everything
from rlcourse.networks import QNetwork
from rlcourse.replay import Batch, ReplayBuffer
from rlcourse.runs import read_json

#: a tiny budget that still exercises every part of the loop (updates, target syncs, evaluations)
SHORT = dataclasses.replace(dqn.default_config("CartPole-v1"), steps=1_200, learning_starts=200,
                            train_every=1, gradient_steps=1, target_update_every=100,
                            eval_every=400, eval_episodes=2, final_eval_episodes=2,
                            stop_at_return=None)


# --- TD targets -------------------------------------------------------------------------------------

def test_td_target_ordinary_terminated_and_truncated_transitions():
    # three transitions, γ = 0.9:
    #   ordinary:   r = 1, max(2, 5) = 5        -> 1 + 0.9 * 5 = 5.5
    #   terminated: r = 1, s' terminal          -> 1
    #   truncated:  r = 1, max(-1, 3) = 3, time limit (terminated = 0) -> 1 + 0.9 * 3 = 3.7
    buffer = ReplayBuffer(3, obs_shape=(1,), seed=0)
    for terminated, truncated in [(False, False), (True, False), (False, True)]:
        buffer.add(np.zeros(1), 0, 1.0, np.zeros(1), terminated=terminated, truncated=truncated)
    reward = torch.from_numpy(buffer.reward)  # (3,)
    terminated = torch.from_numpy(buffer.terminated)  # (3,): the truncated flag is never used
    next_q_values = torch.tensor([[2.0, 5.0], [7.0, 8.0], [-1.0, 3.0]])  # (3, 2)
    target = dqn.td_target(reward, next_q_values, terminated, gamma=0.9)
    assert target.shape == (3,)
    assert torch.allclose(target, torch.tensor([5.5, 1.0, 3.7]))


def test_td_target_with_gamma_zero_is_the_reward():
    target = dqn.td_target(torch.tensor([0.5, -2.0]), torch.tensor([[9.0, 9.0], [9.0, 9.0]]),
                           torch.zeros(2), gamma=0.0)
    assert torch.equal(target, torch.tensor([0.5, -2.0]))


@pytest.mark.parametrize("bad", ["reward", "terminated"])
def test_td_target_rejects_a_batch_by_one_column(bad):
    # reward (B, 1) + (B,) would broadcast to (B, B): 9 targets for 3 transitions, silently
    reward, terminated = torch.ones(3), torch.zeros(3)
    next_q_values = torch.zeros(3, 2)
    if bad == "reward":
        reward = reward.unsqueeze(1)
    else:
        terminated = terminated.unsqueeze(1)
    with pytest.raises(ValueError, match=rf"{bad} must have shape \(batch,\)"):
        dqn.td_target(reward, next_q_values, terminated, gamma=0.99)


COLUMN_ADVICE = ("a (batch, 1) column against a (batch,) row broadcasts to (batch, batch) and "
                 "silently trains on the wrong targets; squeeze it (tensor.squeeze(1)) or index it first")


def test_the_shape_errors_say_what_was_wrong_and_what_to_do():
    with pytest.raises(ValueError) as error:
        dqn.td_target(torch.ones(3, 1), torch.zeros(3, 2), torch.zeros(3), gamma=0.99)
    assert str(error.value) == f"reward must have shape (batch,) = (3,), got (3, 1): {COLUMN_ADVICE}"
    with pytest.raises(ValueError) as error:
        dqn.td_target(torch.ones(3), torch.zeros(3, 2), torch.zeros(3, 1), gamma=0.99)
    assert str(error.value) == f"terminated must have shape (batch,) = (3,), got (3, 1): {COLUMN_ADVICE}"
    with pytest.raises(ValueError) as error:
        dqn.td_target(torch.ones(3), torch.zeros(2, 2), torch.zeros(3), gamma=0.99)
    assert str(error.value) == "next_q_values must have shape (batch, n_actions) = (3, n), got (2, 2)"
    with pytest.raises(ValueError) as error:
        dqn.td_target(torch.ones(3), torch.zeros(3), torch.zeros(3), gamma=0.99)
    assert str(error.value) == "next_q_values must have shape (batch, n_actions) = (3, n), got (3,)"
    with pytest.raises(ValueError) as error:
        dqn.double_dqn_target(torch.ones(3), torch.zeros(3, 2), torch.zeros(3, 3), torch.zeros(3), 0.9)
    assert str(error.value) == ("next_q_values_online (3, 3) and next_q_values (3, 2) must have "
                                "the same shape")
    with pytest.raises(ValueError) as error:
        dqn.dqn_loss(torch.zeros(3, 2), torch.zeros(3, 1, dtype=torch.int64), torch.zeros(3))
    assert str(error.value) == f"action must have shape (batch,) = (3,), got (3, 1): {COLUMN_ADVICE}"
    with pytest.raises(ValueError, match=r"^reward must have shape \(batch,\) = \(0,\), got \(\)"):
        dqn.td_target(torch.tensor(1.0), torch.zeros(1, 2), torch.zeros(1), gamma=0.99)


def test_td_target_rejects_next_q_values_of_the_wrong_batch():
    with pytest.raises(ValueError, match="next_q_values"):
        dqn.td_target(torch.ones(3), torch.zeros(2, 2), torch.zeros(3), gamma=0.99)


def test_double_dqn_target_lets_the_online_network_choose():
    # target net values (2, 5) and (4, 1); the online net prefers action 0 then action 1:
    # y = 1 + 0.5 * Q_target(s', argmax online) = 1 + 0.5 * 2 = 2 and 0 + 0.5 * 1 = 0.5,
    # where the plain target would take the max: 1 + 0.5 * 5 = 3.5 and 0 + 0.5 * 4 = 2
    reward = torch.tensor([1.0, 0.0])
    next_q_values = torch.tensor([[2.0, 5.0], [4.0, 1.0]])
    next_q_values_online = torch.tensor([[9.0, 0.0], [0.0, 9.0]])
    target = dqn.double_dqn_target(reward, next_q_values, next_q_values_online, torch.zeros(2), 0.5)
    assert torch.allclose(target, torch.tensor([2.0, 0.5]))
    assert torch.allclose(dqn.td_target(reward, next_q_values, torch.zeros(2), 0.5),
                          torch.tensor([3.5, 2.0]))


# --- the loss ---------------------------------------------------------------------------------------

def test_dqn_loss_is_huber_on_the_action_taken():
    q_values = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])  # (3, 2)
    action = torch.tensor([1, 0, 1])  # q_pred = 2, 3, 6
    target = torch.tensor([2.5, 3.0, 9.0])  # errors -0.5, 0, -3
    # Huber: 0.5² / 2 = 0.125, 0, |3| - 0.5 = 2.5; mean = 2.625 / 3
    loss = dqn.dqn_loss(q_values, action, target)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(2.625 / 3)


def test_dqn_loss_rejects_a_column_target():
    with pytest.raises(ValueError, match=r"^td_target must have shape \(batch,\) = \(3,\), got \(3, 1\): "):
        dqn.dqn_loss(torch.zeros(3, 2), torch.zeros(3, dtype=torch.int64), torch.zeros(3, 1))
    with pytest.raises(ValueError, match=r"^action must have shape \(batch,\) = \(3,\), got \(3, 1\): "):
        dqn.dqn_loss(torch.zeros(3, 2), torch.zeros(3, 1, dtype=torch.int64), torch.zeros(3))


# --- the update ---------------------------------------------------------------------------------------

def _batch(size: int = 8, seed: int = 0) -> Batch:
    buffer = ReplayBuffer(size, obs_shape=(4,), seed=seed)
    rng = np.random.default_rng(seed)
    for i in range(size):
        buffer.add(rng.normal(size=4), i % 2, 1.0, rng.normal(size=4), terminated=i == 3,
                   truncated=False)
    return buffer.sample(size)


def _params(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _huber_loss_by_hand(q_network, next_q_values, batch, gamma):
    # y = r + γ (1 − terminated) max_a' Q(s', a'), a fixed label; Huber(x) = x²/2 or |x| − 1/2
    with torch.no_grad():
        td_target = batch.reward + gamma * (1 - batch.terminated) * next_q_values.max(1).values
        x = q_network(batch.obs)[torch.arange(len(batch.action)), batch.action] - td_target
        return torch.where(x.abs() <= 1, x ** 2 / 2, x.abs() - 0.5).mean().item()


def test_the_update_regresses_on_the_target_networks_values_and_leaves_it_untouched():
    torch.manual_seed(0)
    q_network = QNetwork(4, 2, hidden=(8,))
    target_q_network = copy.deepcopy(q_network)
    with torch.no_grad():  # make them differ, so "untouched" is not "equal to online"
        for p in target_q_network.parameters():
            p.add_(0.1)
    batch = _batch()
    with torch.no_grad():
        expected = _huber_loss_by_hand(q_network, target_q_network(batch.next_obs), batch, 0.9)
        from_online = _huber_loss_by_hand(q_network, q_network(batch.next_obs), batch, 0.9)
    assert abs(expected - from_online) > 1e-3  # the check below can tell the networks apart
    before_target, before_online = _params(target_q_network), _params(q_network)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-2)
    info = dqn.dqn_update(q_network, target_q_network, optimizer, _batch(), gamma=0.9)
    assert info.loss == pytest.approx(expected, rel=1e-6)  # the loss before the step
    assert all(torch.equal(a, b) for a, b in zip(_params(target_q_network), before_target))
    assert all(p.grad is None for p in target_q_network.parameters())  # no gradient into θ⁻
    assert not all(torch.equal(a, b) for a, b in zip(_params(q_network), before_online))


def test_a_hard_target_update_copies_the_online_network_into_the_target():
    torch.manual_seed(0)
    q_network, target_q_network = QNetwork(4, 2, hidden=(8,)), QNetwork(4, 2, hidden=(8,))
    target_before = _params(target_q_network)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-2)
    dqn.dqn_update(q_network, target_q_network, optimizer, _batch(), gamma=0.99,
                   update_target=True, tau=1.0)
    assert all(torch.equal(a, b) for a, b in zip(target_q_network.parameters(), q_network.parameters()))
    # the copy went θ⁻ ← θ: the online network kept its own (trained) weights
    assert not any(torch.equal(a, b) for a, b in zip(q_network.parameters(), target_before))


def test_a_target_update_is_a_hard_copy_unless_tau_says_otherwise():
    torch.manual_seed(0)
    q_network, target_q_network = QNetwork(4, 2, hidden=(8,)), QNetwork(4, 2, hidden=(8,))
    optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-2)
    dqn.dqn_update(q_network, target_q_network, optimizer, _batch(), gamma=0.99, update_target=True)
    assert all(torch.equal(a, b) for a, b in zip(target_q_network.parameters(), q_network.parameters()))


def test_without_update_target_the_target_network_stays():
    torch.manual_seed(0)
    q_network, target_q_network = QNetwork(4, 2, hidden=(8,)), QNetwork(4, 2, hidden=(8,))
    target_before = _params(target_q_network)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-2)
    for tau in (1.0, 0.5):
        dqn.dqn_update(q_network, target_q_network, optimizer, _batch(), gamma=0.99, tau=tau)
    assert all(torch.equal(a, b) for a, b in zip(_params(target_q_network), target_before))


def test_a_soft_target_update_moves_tau_of_the_way():
    # θ⁻ ← τ θ + (1 − τ) θ⁻ with θ⁻ = 0 and τ = 0.25 gives 0.25 θ (θ after the optimiser step)
    torch.manual_seed(0)
    q_network, target_q_network = QNetwork(4, 2, hidden=(8,)), QNetwork(4, 2, hidden=(8,))
    with torch.no_grad():
        for p in target_q_network.parameters():
            p.zero_()
    optimizer = torch.optim.SGD(q_network.parameters(), lr=0.0)  # θ stays put: exact arithmetic
    dqn.dqn_update(q_network, target_q_network, optimizer, _batch(), gamma=0.99,
                   update_target=True, tau=0.25)
    for target_param, param in zip(target_q_network.parameters(), q_network.parameters()):
        assert torch.allclose(target_param, 0.25 * param)


def test_without_a_target_network_the_target_comes_from_the_online_network_without_gradient():
    # the "no target network" ablation passes q_network twice: y is computed from the online
    # network, yet still as a fixed label. One plain SGD step (lr 0.5, no clipping) must equal
    # θ − 0.5 ∇θ L with y detached; a target that carried gradient would add −∇θ y to it
    torch.manual_seed(0)
    q_network = QNetwork(4, 2, hidden=(8,))
    batch = _batch()
    expected_loss = _huber_loss_by_hand(q_network, q_network(batch.next_obs).detach(), batch, 0.9)
    reference = copy.deepcopy(q_network)
    with torch.no_grad():
        td_target = batch.reward + 0.9 * (1 - batch.terminated) * reference(batch.next_obs).max(1).values
    q_pred = reference(batch.obs).gather(1, batch.action[:, None]).squeeze(1)
    torch.nn.functional.smooth_l1_loss(q_pred, td_target).backward()
    expected = [p.detach() - 0.5 * p.grad for p in reference.parameters()]
    optimizer = torch.optim.SGD(q_network.parameters(), lr=0.5)
    info = dqn.dqn_update(q_network, q_network, optimizer, batch, gamma=0.9, update_target=True,
                          max_grad_norm=math.inf)
    assert info.loss == pytest.approx(expected_loss, rel=1e-6)
    for param, want in zip(q_network.parameters(), expected):
        assert torch.allclose(param, want, atol=1e-6)


def test_double_dqn_in_the_update_lets_the_online_network_choose():
    # the online network chooses a' = argmax Q(s', ·; θ) and θ⁻ values it; the loss before the
    # step shows which target was used. The biases make the two networks disagree on a'
    torch.manual_seed(0)
    q_network, target_q_network = QNetwork(4, 2, hidden=(8,)), QNetwork(4, 2, hidden=(8,))
    with torch.no_grad():
        q_network.net[-1].bias.copy_(torch.tensor([5.0, 0.0]))
        target_q_network.net[-1].bias.copy_(torch.tensor([0.0, 5.0]))
    batch = _batch()
    with torch.no_grad():
        chosen = q_network(batch.next_obs).argmax(1)
        next_values = target_q_network(batch.next_obs).gather(1, chosen[:, None])  # (batch, 1)
        double = _huber_loss_by_hand(q_network, next_values, batch, 0.9)
        plain = _huber_loss_by_hand(q_network, target_q_network(batch.next_obs), batch, 0.9)
    assert abs(double - plain) > 1e-4
    losses = {}
    for options in ({"double_dqn": True}, {}):  # plain DQN is the default
        online = copy.deepcopy(q_network)
        optimizer = torch.optim.Adam(online.parameters(), lr=1e-2)
        losses[bool(options)] = dqn.dqn_update(online, target_q_network, optimizer, batch,
                                               gamma=0.9, **options).loss
    assert losses[True] == pytest.approx(double, rel=1e-6)
    assert losses[False] == pytest.approx(plain, rel=1e-6)


def test_the_update_reports_the_mean_q_of_the_actions_taken_and_clips_the_gradient():
    torch.manual_seed(0)
    q_network, target_q_network = QNetwork(4, 2, hidden=(8,)), QNetwork(4, 2, hidden=(8,))
    batch = _batch()
    with torch.no_grad():
        q_mean = q_network(batch.obs).gather(1, batch.action[:, None]).mean().item()
    before = _params(q_network)
    optimizer = torch.optim.SGD(q_network.parameters(), lr=1.0)
    info = dqn.dqn_update(q_network, target_q_network, optimizer, batch, gamma=0.9,
                          max_grad_norm=1e-3)
    assert info.q_mean == pytest.approx(q_mean, rel=1e-6)
    # plain SGD with lr 1 moves θ by exactly the clipped gradient: its norm is max_grad_norm
    step = torch.cat([(b - a).flatten() for a, b in zip(_params(q_network), before)])
    assert step.norm().item() == pytest.approx(1e-3, rel=1e-3)
    # the default clips at 10: observations 10⁴ times larger give a far larger gradient (Huber
    # bounds ∂L/∂Q, not the activations it multiplies)
    huge = batch._replace(obs=batch.obs * 1e4)
    before = _params(q_network)
    dqn.dqn_update(q_network, target_q_network, optimizer, huge, gamma=0.9)
    step = torch.cat([(b - a).flatten() for a, b in zip(_params(q_network), before)])
    assert step.norm().item() == pytest.approx(10.0, rel=1e-3)


# --- the config ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, words", [
    ("lr", -1e-3, "lr must be in (0, inf]"),
    ("gamma", 1.5, "gamma must be in [0, 1]"),
    ("gamma", -0.1, "gamma must be in [0, 1]"),
    ("batch_size", 1_000, "batch_size must be at most buffer_size (500)"),
    ("tau", 0.0, "tau must be in (0, 1]"),
    ("epsilon_end", 2.0, "epsilon_end must be in [0, 1]"),
    ("max_grad_norm", 0.0, "max_grad_norm"),
    ("hidden", (), "hidden"),
    ("stop_eval_episodes", 3, "stop_eval_episodes must be in [5, inf]"),
    ("stop_at_return", float("nan"), "stop_at_return must be in [-inf, inf]"),
])
def test_invalid_hyperparameters_raise_naming_the_field(field, value, words):
    base = dict(buffer_size=500) if field == "batch_size" else {}
    with pytest.raises(ValueError) as error:
        dqn.DQNConfig(**base, **{field: value})
    assert words in str(error.value)


def test_stopping_when_solved_needs_periodic_evaluations():
    with pytest.raises(ValueError, match=r"stop_at_return needs periodic evaluations.*eval_every > 0"):
        dqn.DQNConfig(stop_at_return=475.0, eval_every=0)


def test_default_config_applies_the_tuned_values_of_its_env_only():
    for env_id, tuned in dqn.TUNED.items():
        config = dqn.default_config(env_id)
        assert {key: getattr(config, key) for key in tuned} == tuned
        untouched = {f.name for f in dataclasses.fields(config)} - set(tuned)
        assert all(getattr(config, key) == getattr(dqn.DQNConfig(), key) for key in untouched)
    assert dqn.default_config("Taxi-v4") == dqn.DQNConfig()  # an env without tuned values
    assert dqn.DQNConfig(max_grad_norm=float("inf")).max_grad_norm == float("inf")


def test_a_continuous_action_space_is_rejected_with_a_pointer_to_ddpg():
    with pytest.raises(ValueError, match=r"Pendulum-v1 has Box.*DDPG"):
        dqn.train("Pendulum-v1", seed=0)


# --- the agent and checkpoints ------------------------------------------------------------------

def test_the_fast_greedy_action_equals_the_torch_argmax():
    torch.manual_seed(0)
    q_network = QNetwork(4, 3, hidden=(16, 16))
    agent = dqn.DQNAgent(q_network)
    obs = np.random.default_rng(0).normal(size=(200, 4)).astype(np.float32)
    expected = q_network(torch.from_numpy(obs)).argmax(1).tolist()
    assert [agent.act(o) for o in obs] == expected
    with torch.no_grad():  # the agent sees parameter changes at once (shared memory)
        q_network.net[-1].bias.copy_(torch.tensor([0.0, 0.0, 1e6]))
    assert {agent.act(o) for o in obs} == {2}


def test_the_fast_greedy_action_follows_a_replaced_network():
    torch.manual_seed(0)
    agent = dqn.DQNAgent(QNetwork(4, 2, hidden=(16, 16)))
    obs = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    with torch.no_grad():
        agent.q_network.net[-1].bias.copy_(torch.tensor([0.0, 1e6]))
    assert [agent.act(o) for o in obs] == [1] * len(obs)  # the views of this network are built
    agent.q_network.net = QNetwork(4, 2, hidden=(8,)).net  # new modules, new parameters
    with torch.no_grad():
        agent.q_network.net[-1].bias.copy_(torch.tensor([1e6, 0.0]))
    assert [agent.act(o) for o in obs] == [0] * len(obs)


def test_save_and_load_give_the_same_greedy_actions(tmp_path):
    run = dqn.train("CartPole-v1", SHORT, seed=0)
    run.agent.save(tmp_path / "agent", {"note": "test"})
    loaded = dqn.load_agent(tmp_path / "agent")
    assert read_meta(tmp_path / "agent")["note"] == "test"
    obs = np.random.default_rng(1).uniform(-1, 1, size=(100, 4)).astype(np.float32)
    actions = [run.agent.act(o) for o in obs]
    assert [loaded.act(o) for o in obs] == actions
    assert len(set(actions)) == 2  # a constant policy would make the check empty
    assert not list(tmp_path.rglob("*.pt")) and not list(tmp_path.rglob("*.pkl"))


# --- the training loop --------------------------------------------------------------------------

def test_the_loops_fused_adam_is_adam():
    # train() builds Adam(fused=True) for speed: one kernel per step, the same update up to float
    # rounding. After 200 DQN updates its weights differ from plain Adam's by ~1e-7, where a
    # variant of the update is far off (AdamW's weight decay: 5e-3, amsgrad: 8e-3, eps 1e-4: 6e-2).
    # Notebook 04's inline loop uses it too, and checks the package's weights bit for bit
    buffer = ReplayBuffer(500, obs_shape=(4,), seed=0)
    rng = np.random.default_rng(0)
    for _ in range(500):
        buffer.add(rng.normal(size=4), int(rng.integers(2)), 1.0, rng.normal(size=4),
                   terminated=bool(rng.random() < 0.05), truncated=False)
    weights = []
    for fused in (False, True):
        torch.manual_seed(0)
        q_network = QNetwork(4, 2, hidden=(32, 32))
        target_q_network = copy.deepcopy(q_network)
        optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-3, fused=fused)
        buffer.rng = np.random.default_rng(1)
        for step in range(200):
            dqn.dqn_update(q_network, target_q_network, optimizer, buffer.sample(64), gamma=0.99,
                           double_dqn=True, update_target=step % 20 == 19)
        weights.append(_params(q_network))
    plain, fused = weights
    assert all(torch.allclose(a, b, rtol=0, atol=1e-5) for a, b in zip(plain, fused))
    torch.manual_seed(0)
    initial = _params(QNetwork(4, 2, hidden=(32, 32)))
    moved = max((a - b).abs().max().item() for a, b in zip(fused, initial))
    assert moved > 0.05  # every check above would pass on an untrained network otherwise
    assert not any(torch.equal(a, b) for a, b in zip(fused, initial))  # every layer trained


def test_the_loop_stores_a_time_limit_as_truncated_never_as_terminal():
    # CartPole cut at 10 steps: a random policy's episodes end both ways. A transition is terminal
    # exactly where the pole fell or the cart left the track (|angle| > 12°, |x| > 2.4), and
    # truncated exactly at an episode's 10th step (both, if it fell on that step)
    config = dataclasses.replace(SHORT, steps=300, learning_starts=100, eval_every=0)
    buffer = ReplayBuffer(300, obs_shape=(4,), seed=0)
    run = dqn.train("CartPole-v1", config, seed=0, env_kwargs={"max_episode_steps": 10},
                    replay_buffer=buffer)
    assert len(buffer) == 300
    fell = (np.abs(buffer.next_obs[:, 2]) > 12 * 2 * np.pi / 360) | (np.abs(buffer.next_obs[:, 0]) > 2.4)
    assert np.array_equal(buffer.terminated, fell.astype(np.float32))
    ended = (buffer.terminated == 1) | (buffer.truncated == 1)
    starts = np.flatnonzero(np.r_[True, ended[:-1]])  # an episode starts after each end
    lengths = np.diff(np.r_[starts, len(buffer)])
    last = np.r_[starts[1:], len(buffer)] - 1  # the last stored step of each episode
    assert np.array_equal(np.flatnonzero(buffer.truncated), last[lengths == 10])
    assert buffer.truncated.sum() > 5 and buffer.terminated.sum() > 5  # both kinds were seen
    assert ended.sum() == run.episodes
    # within an episode, each transition starts where the one before it ended
    inside = ~ended[:-1]
    assert np.array_equal(buffer.obs[1:][inside], buffer.next_obs[:-1][inside])


@pytest.mark.parametrize("train_every, gradient_steps", [(1, 1), (2, 3)])
def test_the_target_network_is_the_online_one_of_the_last_sync(train_every, gradient_steps):
    # updates from step 50, a sync every C = 20 env steps: at steps 50, 70, 90, 110. Constant ε and
    # learning rate make a shorter run the prefix of a longer one, so the run that stops at step 90
    # shows the online network of that sync. With several gradient steps a round (every 2nd env
    # step, 3 each, as MountainCar's tuned config does 8 every 16th), θ⁻ is θ after the round's last
    config = dataclasses.replace(SHORT, hidden=(16,), learning_starts=50, target_update_every=20,
                                 lr_end=SHORT.lr, epsilon_decay_fraction=0.0, eval_every=0,
                                 train_every=train_every, gradient_steps=gradient_steps)
    at_sync = dqn.train("CartPole-v1", config, seed=0, steps=90)
    between = dqn.train("CartPole-v1", config, seed=0, steps=109)
    synced = dqn.train("CartPole-v1", config, seed=0, steps=110)
    online_90 = _params(at_sync.agent.q_network)
    assert _equal(at_sync.target_q_network, online_90)
    assert _equal(between.target_q_network, online_90)  # gradient steps later, still θ at 90
    assert not _equal(between.agent.q_network, online_90)  # while θ moved on
    assert _equal(synced.target_q_network, _params(synced.agent.q_network))  # the sync at step 110
    assert not _equal(synced.target_q_network, online_90)


def test_the_loops_update_is_dqn_update_on_a_replayed_batch():
    # exactly one update, at the last step (learning_starts = steps), with every option of the
    # update switched away from its default; redone here by hand from the stored transitions:
    # the same initial network (seed_everything, then QNetwork), the batch the buffer's generator
    # draws, Adam at the schedule's last rate, Double DQN, a soft target update of τ = 0.25
    config = dataclasses.replace(SHORT, hidden=(16,), steps=60, learning_starts=60, batch_size=16,
                                 lr=1e-2, lr_end=3e-3, gamma=0.8, double_dqn=True, tau=0.25,
                                 target_update_every=1, max_grad_norm=0.5, eval_every=0)
    buffer = ReplayBuffer(100, obs_shape=(4,), seed=5)
    sampler = copy.deepcopy(buffer.rng)
    run = dqn.train("CartPole-v1", config, seed=2, replay_buffer=buffer)
    seed_everything(2)
    q_network = QNetwork(4, 2, hidden=(16,))
    target_q_network = copy.deepcopy(q_network)
    idx = sampler.integers(0, 60, size=16)
    batch = Batch(*(torch.from_numpy(getattr(buffer, name)[idx]) for name in Batch._fields))
    optimizer = torch.optim.Adam(q_network.parameters(), lr=3e-3, fused=True)
    dqn.dqn_update(q_network, target_q_network, optimizer, batch, gamma=0.8, double_dqn=True,
                   max_grad_norm=0.5, update_target=True, tau=0.25)
    assert _equal(run.agent.q_network, _params(q_network))
    assert _equal(run.target_q_network, _params(target_q_network))
    assert not _equal(run.target_q_network, _params(q_network))  # soft: not a copy


def test_without_the_terminated_mask_the_update_bootstraps_through_terminal_transitions():
    # one update at the last step, as above, redone by hand: the replayed batch holds terminated
    # transitions (stored as such in the buffer) and the update sees them as ordinary ones
    config = dataclasses.replace(SHORT, hidden=(16,), steps=60, learning_starts=60, batch_size=32,
                                 lr_end=SHORT.lr, double_dqn=False, target_update_every=1000,
                                 eval_every=0, mask_terminated=False)
    buffer = ReplayBuffer(100, obs_shape=(4,), seed=5)
    sampler = copy.deepcopy(buffer.rng)
    run = dqn.train("CartPole-v1", config, seed=2, replay_buffer=buffer)
    idx = sampler.integers(0, 60, size=32)
    batch = Batch(*(torch.from_numpy(getattr(buffer, name)[idx]) for name in Batch._fields))
    assert batch.terminated.sum() >= 1  # a fallen pole is in the batch, stored as terminated

    def one_update(batch: Batch) -> list[torch.Tensor]:
        seed_everything(2)
        q_network = QNetwork(4, 2, hidden=(16,))
        optimizer = torch.optim.Adam(q_network.parameters(), lr=SHORT.lr, fused=True)
        dqn.dqn_update(q_network, copy.deepcopy(q_network), optimizer, batch, gamma=config.gamma,
                       max_grad_norm=config.max_grad_norm)
        return _params(q_network)

    unmasked = batch._replace(terminated=torch.zeros_like(batch.terminated))
    assert _equal(run.agent.q_network, one_update(unmasked))
    assert not _equal(run.agent.q_network, one_update(batch))  # the masked update differs


def _equal(net: torch.nn.Module, params: list[torch.Tensor]) -> bool:
    return all(torch.equal(a, b) for a, b in zip(net.parameters(), params, strict=True))


def test_the_loop_acts_epsilon_greedily():
    # no update within the run (learning_starts past it), so the greedy action of every stored
    # obs is the returned agent's. ε = 0: every action greedy. ε = 1: uniform over CartPole's two
    # actions, so the greedy one by chance: Binomial(300, 1/2), mean 150, σ = 8.7, 3σ = 26
    config = dataclasses.replace(SHORT, hidden=(16,), steps=300, learning_starts=1000, eval_every=0,
                                 epsilon_decay_fraction=0.0)
    agree = {}
    for epsilon in (0.0, 1.0):
        buffer = ReplayBuffer(300, obs_shape=(4,), seed=0)
        run = dqn.train("CartPole-v1", dataclasses.replace(config, epsilon_end=epsilon), seed=0,
                        replay_buffer=buffer)
        greedy = np.array([run.agent.act(obs) for obs in buffer.obs])
        agree[epsilon] = int((buffer.action == greedy).sum())
    assert agree[0.0] == 300
    assert abs(agree[1.0] - 150) <= 26, agree


def test_device_auto_trains_on_the_gpu_only_where_torch_sees_one():
    config = dataclasses.replace(SHORT, hidden=(8,), steps=30, learning_starts=10, eval_every=0,
                                 device="auto")
    run = dqn.train("CartPole-v1", config, seed=0)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert {p.device.type for p in run.agent.q_network.parameters()} == {expected}


def test_the_same_seed_twice_gives_bit_identical_metrics(tmp_path):
    dqn.train("CartPole-v1", SHORT, seed=3).metrics.to_csv(tmp_path / "a.csv")
    dqn.train("CartPole-v1", SHORT, seed=3).metrics.to_csv(tmp_path / "b.csv")
    dqn.train("CartPole-v1", SHORT, seed=4).metrics.to_csv(tmp_path / "c.csv")
    a = (tmp_path / "a.csv").read_bytes()
    assert a == (tmp_path / "b.csv").read_bytes()
    assert a != (tmp_path / "c.csv").read_bytes()
    header = a.decode().splitlines()[0].split(",")
    assert header[:4] == ["step", "episode", "episode_return", "eval_mean_return"]
    assert {"epsilon", "loss", "q_mean"} <= set(header)


def test_the_loop_logs_episodes_and_periodic_evaluations():
    run = dqn.train("CartPole-v1", SHORT, seed=0)
    assert run.steps == SHORT.steps and not run.interrupted
    assert [step for step, _ in run.metrics.column("eval_mean_return")] == [400, 800, 1200]
    episode_rows = run.metrics.column("episode_return")
    assert len(episode_rows) == run.episodes
    assert run.train_seconds > 0 and run.eval_seconds > 0


def test_a_run_stops_once_solved_on_the_extended_validation(tmp_path):
    # every policy balances CartPole for at least 8 steps, so a threshold of 8 is met at the first
    # evaluation: the run stops there, and the agent it returns is the one that was validated
    config = dataclasses.replace(SHORT, stop_at_return=8.0, stop_eval_episodes=6)
    run = dqn.train("CartPole-v1", config, seed=0, checkpoint_dir=tmp_path / "ckpt")
    assert run.steps == config.eval_every and not run.interrupted
    assert [step for step, _ in run.metrics.column("eval_mean_return")] == [config.eval_every]
    assert read_meta(tmp_path / "ckpt")["step"] == config.eval_every
    # the extension continues the periodic evaluation's seeds: 6 validation episodes in a row
    validation = evaluate("CartPole-v1", run.agent.act, episodes=6, seed=VALIDATION_SEED)
    assert run.solved_return == pytest.approx(validation.mean_return)
    assert run.metrics.column("eval_mean_return")[0][1] == pytest.approx(
        np.mean(validation.returns[:config.eval_episodes]))


def test_a_run_that_never_reaches_the_stop_return_trains_its_whole_budget():
    run = dqn.train("CartPole-v1", dataclasses.replace(SHORT, stop_at_return=500.0), seed=0)
    assert run.steps == SHORT.steps and run.solved_return is None
    assert max(value for _, value in run.metrics.column("eval_mean_return")) < 500.0


# CartPole's tuned config (SHORT) uses Double DQN: its ablation is plain DQN
@pytest.mark.parametrize("ablation", [{"use_replay": False}, {"use_target_network": False},
                                      {"double_dqn": False}, {"tau": 0.01, "target_update_every": 1}])
def test_each_ablation_and_option_changes_the_run(ablation):
    # from the same seed, each switch gives other weights than the default run; how each one
    # works is tested on the update itself and on the loop above. No sync within the run: Double
    # DQN only changes a target where θ and θ⁻ disagree on a', which a fresh copy never does
    assert SHORT.double_dqn
    config = dataclasses.replace(SHORT, hidden=(64,), steps=400, target_update_every=1000,
                                 eval_every=0)
    run = dqn.train("CartPole-v1", dataclasses.replace(config, **ablation), seed=0)
    default = dqn.train("CartPole-v1", config, seed=0)
    assert run.steps == 400
    assert not _equal(run.agent.q_network, _params(default.agent.q_network))
    assert (run.target_q_network is run.agent.q_network) == (ablation == {"use_target_network": False})
    if "tau" in ablation:  # θ⁻ trails θ by the soft updates: close, not equal
        assert not _equal(run.target_q_network, _params(run.agent.q_network))


def test_without_replay_the_update_uses_the_latest_transition_only():
    # one update, at the last step; the run without updates (learning_starts past the budget)
    # takes the same 40 steps and shows, in its buffer, which transition was the latest
    config = dataclasses.replace(SHORT, hidden=(16,), steps=40, learning_starts=40, lr_end=SHORT.lr,
                                 target_update_every=1000, eval_every=0)
    buffer = ReplayBuffer(40, obs_shape=(4,), seed=0)
    dqn.train("CartPole-v1", dataclasses.replace(config, learning_starts=41), seed=1,
              replay_buffer=buffer)
    run = dqn.train("CartPole-v1", dataclasses.replace(config, use_replay=False), seed=1)
    seed_everything(1)
    q_network = QNetwork(4, 2, hidden=(16,))
    target_q_network = copy.deepcopy(q_network)
    latest = Batch(*(torch.from_numpy(getattr(buffer, name)[[39]]) for name in Batch._fields))
    optimizer = torch.optim.Adam(q_network.parameters(), lr=SHORT.lr, fused=True)
    dqn.dqn_update(q_network, target_q_network, optimizer, latest, gamma=config.gamma,
                   max_grad_norm=config.max_grad_norm, double_dqn=config.double_dqn)
    assert _equal(run.agent.q_network, _params(q_network))
    assert _equal(run.target_q_network, _params(target_q_network))  # no sync was due


def test_resume_continues_from_the_checkpoint(tmp_path):
    first = dqn.train("CartPole-v1", SHORT, seed=0, steps=800, checkpoint_dir=tmp_path / "ckpt")
    assert read_meta(tmp_path / "ckpt")["step"] == 800
    saved = _params(first.agent.q_network)
    config = dataclasses.replace(SHORT, learning_starts=10_000)  # no update: weights must carry over
    resumed = dqn.train("CartPole-v1", config, seed=0, steps=1_200, resume_from=tmp_path / "ckpt")
    assert resumed.steps == 1_200
    assert all(torch.equal(a, b) for a, b in zip(_params(resumed.agent.q_network), saved))
    assert min(row["step"] for row in resumed.metrics.rows) > 800
    assert [step for step, _ in resumed.metrics.column("eval_mean_return")] == [1_200]
    assert resumed.episodes > first.episodes  # episode numbers continue too


def test_a_given_replay_buffer_receives_every_transition():
    buffer = ReplayBuffer(SHORT.buffer_size, obs_shape=(4,), seed=0)
    run = dqn.train("CartPole-v1", dataclasses.replace(SHORT, steps=300, eval_every=0), seed=0,
                    replay_buffer=buffer)
    assert len(buffer) == 300
    # in 300 steps no episode reaches CartPole's 500-step limit: every end is a termination
    assert buffer.terminated.sum() == run.episodes > 0 and buffer.truncated.sum() == 0


def test_a_replay_buffer_that_does_not_fit_is_refused_before_training():
    with pytest.raises(ValueError, match=r"observations of shape \(3,\).*env has \(4,\)"):
        dqn.train("CartPole-v1", SHORT, replay_buffer=ReplayBuffer(10, obs_shape=(3,)))
    with pytest.raises(ValueError, match="use_replay=False.*capacity 1"):
        dqn.train("CartPole-v1", dataclasses.replace(SHORT, use_replay=False),
                  replay_buffer=ReplayBuffer(10, obs_shape=(4,)))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_asking_for_cuda_without_a_gpu_fails_before_training():
    with pytest.raises(ValueError, match="no CUDA GPU.*'auto' or 'cpu'"):
        dqn.train("CartPole-v1", dataclasses.replace(SHORT, device="cuda"))


def test_a_real_interrupt_returns_the_agent_and_the_metrics_so_far():
    # Ctrl-C as a learner's terminal (or Jupyter's stop button) delivers it: SIGINT, handled by
    # Python's own handler. A suite started as a background job (`make test &`, some CI runners)
    # inherits SIGINT *ignored*, and then no KeyboardInterrupt ever comes: the handler is set here,
    # and the budget is finite, so a missed signal fails the test instead of hanging the suite.
    budget = 300_000  # minutes of training: far more than the 3 s before the signal
    torch.manual_seed(0)  # the run's own seed: its network's initial weights
    initial = _params(QNetwork(4, 2, SHORT.hidden))
    handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    blocked = signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    timer = threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        # updates from the first step, so even a slow machine has trained before the signal
        run = dqn.train("CartPole-v1", dataclasses.replace(SHORT, steps=budget, learning_starts=1),
                        seed=0)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    assert run.interrupted, f"SIGINT handler before the test: {handler!r}, blocked: {blocked}"
    assert 0 < run.steps < budget
    assert len(run.metrics) > 0 and run.metrics.rows[-1]["step"] <= run.steps
    # what was learned survives: the agent holds the trained network, not the initial one
    assert not _equal(run.agent.q_network, initial)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy overflow while Q diverges: expected
def test_a_non_finite_loss_stops_training_and_keeps_the_last_good_checkpoint(tmp_path):
    config = dataclasses.replace(SHORT, steps=5_000, lr=1e30, lr_end=1e30,
                                 max_grad_norm=float("inf"), eval_every=200)
    with pytest.raises(dqn.NonFiniteLossError, match="the loss became") as error:
        dqn.train("CartPole-v1", config, seed=0, checkpoint_dir=tmp_path / "ckpt")
    assert "last good checkpoint" in str(error.value)
    good_step = read_meta(tmp_path / "ckpt")["step"]
    assert re.fullmatch(
        rf"DQN stopped at step {error.value.run.steps}: the loss became (nan|inf) \(the Q-values "
        rf"diverged; try a smaller lr than 1e\+30 or a smaller max_grad_norm\)\. The agent was reset "
        rf"to its weights at step {good_step}; the last good checkpoint \(step {good_step}\) is in "
        rf"{re.escape(str(tmp_path / 'ckpt'))}\.", str(error.value)), str(error.value)
    assert good_step < error.value.run.steps
    agent = dqn.load_agent(tmp_path / "ckpt")
    assert all(torch.isfinite(p).all() for p in agent.q_network.parameters())
    assert all(torch.isfinite(p).all() for p in error.value.run.agent.q_network.parameters())


# --- command line -------------------------------------------------------------------------------

def test_the_command_line_trains_saves_and_evaluates(tmp_path, capsys):
    out = tmp_path / "runs" / "dqn"  # its parent does not exist yet
    code = cli_main(["train", "dqn", "--env", "CartPole-v1", "--steps", "600", "--out", str(out),
                     "--seed", "3", "--no-progress", "--set", "learning_starts=200",
                     "--set", "eval_every=300", "--set", "final_eval_episodes=3"])
    assert code == 0
    assert {p.name for p in out.iterdir()} == {"config.json", "metrics.csv", "eval.json", "model"}
    record = read_json(out / "eval.json")
    assert record["algo"] == "dqn" and record["episodes"] == 3 and record["seed"] == 3
    assert record["env_id"] == "CartPole-v1" and record["train_seconds"] > 0
    stored = read_json(out / "config.json")
    assert (stored["algo"], stored["env_id"], stored["seed"]) == ("dqn", "CartPole-v1", 3)
    assert (stored["steps"], stored["episodes"]) == (600, None)
    assert stored["hyperparameters"]["steps"] == 600
    assert stored["hyperparameters"]["hidden"] == [256, 256]  # CartPole's tuned values underneath
    assert stored["hyperparameters"]["learning_starts"] == 200
    policy = dqn.load_policy(out)
    assert evaluate("CartPole-v1", policy, episodes=3).returns == record["returns"]
    capsys.readouterr()
    assert cli_main(["evaluate", str(out)]) == 0
    assert '"mean_return"' in capsys.readouterr().out
    # a second run, of 2 episodes, into the same directory replaces the first
    assert cli_main(["train", "dqn", "--env", "CartPole-v1", "--episodes", "2", "--out", str(out),
                     "--no-progress", "--set", "eval_every=0", "--set", "stop_at_return=none",
                     "--set", "final_eval_episodes=1"]) == 0
    assert read_json(out / "config.json")["episodes"] == 2
    assert (out / "metrics.csv").read_text().splitlines()[-1].split(",")[1] == "2"


def test_the_command_line_refuses_pendulum(tmp_path, capsys):
    code = cli_main(["train", "dqn", "--env", "Pendulum-v1", "--out", str(tmp_path / "run")])
    assert code == 2
    err = capsys.readouterr().err
    assert "DQN needs a Discrete action space, but Pendulum-v1 has Box" in err
    assert "Use DDPG (`rlcourse train ddpg`), which learns a continuous action for this" in err
    assert not (tmp_path / "run").exists()


# --- learning -------------------------------------------------------------------------------------

@pytest.mark.learning
def test_the_default_config_solves_cartpole_on_several_seeds():
    # The defaults train until 20 greedy validation episodes average >= 490 (TUNED). Float
    # rounding differs between CPU models (their matrix kernels sum in different orders), so each
    # model redraws which seeds fail; over seeds 0-29 on one model every run stopped solved, by
    # 22k steps, and was solved on held-out episodes. The asks leave room for a rare failing seed
    # on another model: the median seed stops solved by 20k steps, and at least 2 of 3 final
    # agents are solved on 20 held-out episodes, which training never saw (the validated agent is
    # the one returned). A broken update, or a stop rule that stops on unsolved agents, fails.
    finals, stops = [], []
    for seed in (0, 1, 2):
        run = dqn.train("CartPole-v1", seed=seed)
        finals.append(evaluate("CartPole-v1", run.agent.act, episodes=20).mean_return)
        stops.append(run.steps if run.solved_return is not None else float("inf"))
        assert run.solved_return is None or run.solved_return >= 490.0
    assert sorted(stops)[1] <= 20_000, (finals, stops)  # the median seed
    assert sum(final >= 475.0 for final in finals) >= 2, (finals, stops)


@pytest.mark.parametrize("input_scale, clipped", [(0.01, False), (100.0, True)])
def test_clip_gradients_gives_torchs_clip_grad_norm_bits_whether_or_not_it_clips(input_scale, clipped):
    # clip_gradients skips torch's multiplication by exactly 1 when the norm is within the bound;
    # both regimes must leave the same gradients, to the bit, as clip_grad_norm_
    torch.manual_seed(0)
    ours, torchs = QNetwork(4, 2, (64, 64)), QNetwork(4, 2, (64, 64))
    torchs.load_state_dict(ours.state_dict())
    obs = torch.randn(32, 4) * input_scale
    for network in (ours, torchs):
        (network(obs) ** 2).mean().backward()
    before = [p.grad.clone() for p in ours.parameters()]
    norm = dqn.clip_gradients(ours.parameters(), 1.0)
    torch_norm = torch.nn.utils.clip_grad_norm_(torchs.parameters(), 1.0)
    assert torch.equal(norm, torch_norm)
    assert (float(norm) > 1.0) is clipped  # the two cases really are the two regimes
    assert all(torch.equal(a.grad, b.grad) for a, b in zip(ours.parameters(), torchs.parameters()))
    changed = not all(torch.equal(a, p.grad) for a, p in zip(before, ours.parameters()))
    assert changed is clipped
    if clipped:  # the joint norm after clipping is the bound (to float32 rounding)
        assert abs(float(torch.nn.utils.get_total_norm([p.grad for p in ours.parameters()])) - 1.0) < 1e-5


def test_train_without_a_seed_is_the_run_of_seed_0():
    # the documented default: a learner who leaves the seed out gets seed 0's run, bit for bit
    # (and another seed really gives another run, so the comparison can fail)
    config = dataclasses.replace(SHORT, steps=300, learning_starts=100, eval_every=0,
                                 final_eval_episodes=1, hidden=(8,))
    default, zero, one = (dqn.train("CartPole-v1", config, **seed) for seed in ({}, {"seed": 0}, {"seed": 1}))
    assert _equal(default.agent.q_network, _params(zero.agent.q_network))
    assert default.metrics.rows == zero.metrics.rows
    assert not _equal(one.agent.q_network, _params(zero.agent.q_network))


def test_clip_gradients_at_a_norm_exactly_on_the_bound_scales_as_torch_does():
    # a gradient of norm exactly 10 (6, 8) and max_norm 10: torch multiplies by
    # 10 / (10 + 1e-6) = 0.99999988 in float32, so clip_gradients must clip here too, to the bit
    ours, torchs = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(2))
    for p in (ours, torchs):
        p.grad = torch.tensor([6.0, 8.0])
    norm = dqn.clip_gradients([ours], 10.0)
    assert float(norm) == 10.0 and torch.equal(norm, torch.nn.utils.clip_grad_norm_([torchs], 10.0))
    assert torch.equal(ours.grad, torchs.grad) and not torch.equal(ours.grad, torch.tensor([6.0, 8.0]))


# --- the config: every check, just outside its range and at its ends ---------------------------------

# (the fields set, the message in full): each value just outside the field's range, or of the
# wrong kind; the message names the field, its range and the value
REFUSED = [
    (dict(steps=0), "steps must be in [1, inf], got 0"),
    (dict(hidden=()), "hidden must be a non-empty tuple of positive ints, got ()"),
    (dict(hidden=(0,)), "hidden must be a non-empty tuple of positive ints, got (0,)"),
    (dict(hidden=(64, 0)), "hidden must be a non-empty tuple of positive ints, got (64, 0)"),
    (dict(hidden=(8.0,)), "hidden must be a non-empty tuple of positive ints, got (8.0,)"),
    (dict(lr=0.0), "lr must be in (0, inf], got 0.0"),
    (dict(lr=math.inf), "lr must be in (0, inf], got inf"),
    (dict(lr_end=0.0), "lr_end must be in (0, inf], got 0.0"),
    (dict(gamma=-0.01), "gamma must be in [0, 1], got -0.01"),
    (dict(gamma=1.01), "gamma must be in [0, 1], got 1.01"),
    (dict(buffer_size=0), "buffer_size must be in [1, inf], got 0"),
    (dict(batch_size=0), "batch_size must be in [1, inf], got 0"),
    (dict(buffer_size=64, batch_size=65), "batch_size must be at most buffer_size (64), got 65"),
    (dict(learning_starts=-1), "learning_starts must be in [0, inf], got -1"),
    (dict(train_every=0), "train_every must be in [1, inf], got 0"),
    (dict(gradient_steps=0), "gradient_steps must be in [1, inf], got 0"),
    (dict(target_update_every=0), "target_update_every must be in [1, inf], got 0"),
    (dict(tau=0.0), "tau must be in (0, 1], got 0.0"),
    (dict(tau=1.01), "tau must be in (0, 1], got 1.01"),
    (dict(max_grad_norm=0.0), "max_grad_norm must be in (0, inf], got 0.0"),
    (dict(max_grad_norm=-math.inf), "max_grad_norm must be in (0, inf], got -inf"),
    (dict(max_grad_norm=math.nan), "max_grad_norm must be in (0, inf], got nan"),
    (dict(epsilon_start=-0.01), "epsilon_start must be in [0, 1], got -0.01"),
    (dict(epsilon_start=1.01), "epsilon_start must be in [0, 1], got 1.01"),
    (dict(epsilon_end=-0.01), "epsilon_end must be in [0, 1], got -0.01"),
    (dict(epsilon_end=1.01), "epsilon_end must be in [0, 1], got 1.01"),
    (dict(epsilon_decay_fraction=-0.01), "epsilon_decay_fraction must be in [0, 1], got -0.01"),
    (dict(epsilon_decay_fraction=1.01), "epsilon_decay_fraction must be in [0, 1], got 1.01"),
    (dict(eval_every=-1), "eval_every must be in [0, inf], got -1"),
    (dict(eval_episodes=0), "eval_episodes must be in [1, inf], got 0"),
    (dict(final_eval_episodes=0), "final_eval_episodes must be in [1, inf], got 0"),
    (dict(eval_episodes=5, stop_eval_episodes=4), "stop_eval_episodes must be in [5, inf], got 4"),
    (dict(stop_at_return=475.0, eval_every=0),
     "stop_at_return needs periodic evaluations to decide when to stop: set eval_every > 0, "
     "or stop_at_return=None to train the whole budget"),
    (dict(stop_at_return=math.nan), "stop_at_return must be in [-inf, inf], got nan"),
    (dict(stop_at_return=math.inf), "stop_at_return must be in [-inf, inf], got inf"),
    (dict(num_threads=0), "num_threads must be in [1, inf], got 0"),
    (dict(device="gpu"), "device must be 'cpu', 'cuda' or 'auto', got 'gpu'"),
]


@pytest.mark.parametrize("fields, message", REFUSED, ids=[m.split(" ")[0] for _, m in REFUSED])
def test_each_config_field_just_outside_its_range_is_refused_naming_the_field_and_range(fields, message):
    with pytest.raises(ValueError) as error:
        dqn.DQNConfig(**fields)
    assert str(error.value) == message


# the ends of each range that the checks accept (closed ends), and the cases the checks let pass
ACCEPTED = [
    dict(steps=1), dict(hidden=(1,)), dict(hidden=(3, 1, 2)), dict(lr=1e-12), dict(lr_end=1e-12),
    dict(gamma=0.0), dict(gamma=1.0), dict(buffer_size=1, batch_size=1),
    dict(buffer_size=64, batch_size=64),
    dict(buffer_size=64, batch_size=65, use_replay=False),  # no replay: the batch is 1 transition
    dict(learning_starts=0), dict(train_every=1), dict(gradient_steps=1),
    dict(target_update_every=1), dict(tau=1e-12), dict(tau=1.0), dict(max_grad_norm=math.inf),
    dict(max_grad_norm=1e-12), dict(epsilon_start=0.0), dict(epsilon_start=1.0),
    dict(epsilon_end=0.0), dict(epsilon_end=1.0), dict(epsilon_decay_fraction=0.0),
    dict(epsilon_decay_fraction=1.0), dict(eval_every=0), dict(eval_episodes=1),
    dict(final_eval_episodes=1), dict(eval_episodes=7, stop_eval_episodes=7),
    dict(eval_every=0, stop_at_return=None), dict(stop_at_return=-1e9), dict(num_threads=1),
    dict(device="cpu"), dict(device="cuda"), dict(device="auto"),
]


@pytest.mark.parametrize("fields", ACCEPTED, ids=[",".join(f"{k}={v}" for k, v in f.items()) for f in ACCEPTED])
def test_each_config_field_at_the_closed_ends_of_its_range_is_accepted(fields):
    config = dqn.DQNConfig(**fields)
    assert {key: getattr(config, key) for key in fields} == fields


def test_the_default_config_is_valid_and_its_checks_see_its_own_values():
    # the plain defaults pass every check (a check on the wrong value, or on None, would fail here)
    config = dqn.DQNConfig()
    assert (config.steps, config.lr, config.buffer_size, config.batch_size) == (50_000, 1e-3, 50_000, 64)
    assert dataclasses.replace(config, stop_at_return=490.0).stop_at_return == 490.0


# --- the agent: q_values, act, save, load ------------------------------------------------------------

def _agent_network() -> QNetwork:
    torch.manual_seed(0)
    q_network = QNetwork(4, 3, hidden=(16, 8))
    with torch.no_grad():  # distinct Q-values per action, so argmax is not decided by a tie
        q_network.net[-1].bias.copy_(torch.tensor([0.0, 0.01, -0.01]))
    return q_network


def test_q_values_of_one_observation_is_a_numpy_row_of_the_networks_output():
    q_network = _agent_network()
    agent = dqn.DQNAgent(q_network)
    assert agent.device == torch.device("cpu")
    obs = [0.1, -0.2, 0.03, 0.4]  # a list of Python floats, as float64 as numpy makes them
    q = agent.q_values(np.asarray(obs, dtype=np.float64))
    assert isinstance(q, np.ndarray) and q.shape == (3,) and q.dtype == np.float32
    with torch.no_grad():
        expected = q_network(torch.tensor(obs, dtype=torch.float32)).numpy()
    assert np.array_equal(q, expected)
    assert np.array_equal(agent.q_values(obs), expected)


def test_act_on_a_cpu_qnetwork_runs_numpy_without_a_torch_forward():
    # the documented fast path: on the CPU a QNetwork's greedy action comes from NumpyForward,
    # not from a torch forward pass (a hook on the module counts the forward calls)
    q_network = _agent_network()
    agent = dqn.DQNAgent(q_network)
    calls = []
    q_network.register_forward_hook(lambda module, args, output: calls.append(1))
    obs = 5 * np.random.default_rng(0).normal(size=(20, 4))  # float64
    with torch.no_grad():
        expected = q_network.net(torch.as_tensor(obs, dtype=torch.float32)).argmax(1).tolist()
    calls.clear()
    actions = [agent.act(o) for o in obs]
    assert actions == expected and all(type(a) is int for a in actions)
    assert calls == []
    assert agent(obs[0]) == expected[0]  # the agent itself is the policy


class _Wrapped(torch.nn.Module):
    """A Q-network that is not a QNetwork: the agent must fall back on torch."""

    def __init__(self, inner: QNetwork) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return self.inner(obs)


def test_act_on_another_network_runs_torch_on_float32_observations():
    q_network = _agent_network()
    agent = dqn.DQNAgent(_Wrapped(q_network))
    calls = []
    agent.q_network.register_forward_hook(lambda module, args, output: calls.append(args[0].dtype))
    obs = 5 * np.random.default_rng(1).normal(size=(20, 4))  # float64: act converts to float32
    with torch.no_grad():
        expected = q_network(torch.as_tensor(obs, dtype=torch.float32)).argmax(1).tolist()
    calls.clear()
    actions = [agent.act(o) for o in obs]
    assert actions == expected and all(type(a) is int for a in actions)
    assert calls == [torch.float32] * 20
    assert len(set(actions)) > 1  # a constant policy would make the check empty


def test_save_writes_the_networks_shape_and_the_callers_meta_and_load_rebuilds_it(tmp_path):
    q_network = _agent_network()
    agent = dqn.DQNAgent(q_network)
    assert agent.save(tmp_path / "plain") == tmp_path / "plain"
    meta = read_meta(tmp_path / "plain")
    assert {k: v for k, v in meta.items() if k not in ("format", "version")} == {
        "modules": ["q_network"], "algo": "dqn", "obs_dim": 4, "n_actions": 3, "hidden": [16, 8]}
    agent.save(tmp_path / "noted", {"step": 7, "env_id": "CartPole-v1"})
    noted = read_meta(tmp_path / "noted")
    assert (noted["algo"], noted["hidden"], noted["step"], noted["env_id"]) == ("dqn", [16, 8], 7, "CartPole-v1")
    loaded = dqn.DQNAgent.load(tmp_path / "plain")
    assert isinstance(loaded, dqn.DQNAgent) and loaded.device == torch.device("cpu")
    net = loaded.q_network
    assert isinstance(net, QNetwork) and (net.obs_dim, net.n_actions, tuple(net.hidden)) == (4, 3, (16, 8))
    assert not net.training  # built for acting: eval mode
    assert _equal(net, _params(q_network))
    assert _equal(dqn.load_agent(tmp_path / "noted").q_network, _params(q_network))
    # a run directory holds its checkpoint in model/: load finds it there
    agent.save(tmp_path / "run" / "model")
    assert _equal(dqn.DQNAgent.load(tmp_path / "run").q_network, _params(q_network))
    obs = np.random.default_rng(2).normal(size=(30, 4))
    assert [dqn.load_policy(tmp_path / "run")(o) for o in obs] == [agent.act(o) for o in obs]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_load_onto_the_gpu_puts_the_network_and_the_agent_there(tmp_path):
    q_network = _agent_network()
    dqn.DQNAgent(q_network).save(tmp_path / "agent")
    loaded = dqn.DQNAgent.load(tmp_path / "agent", device="cuda")
    assert loaded.device.type == "cuda"
    assert {p.device.type for p in loaded.q_network.parameters()} == {"cuda"}
    obs = np.random.default_rng(2).normal(size=(10, 4))
    assert [loaded.act(o) for o in obs] == [dqn.DQNAgent(q_network).act(o) for o in obs]


# --- train_run: the run directory of `rlcourse train dqn` -------------------------------------------

def test_train_run_writes_the_run_that_train_gives_with_its_seed_config_and_bar(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")
    overrides = {"hidden": (16,), "learning_starts": 40, "eval_every": 60, "eval_episodes": 1,
                 "final_eval_episodes": 2, "stop_at_return": None}
    out = tmp_path / "run"
    record = dqn.train_run("dqn", "CartPole-v1", seed=3, steps=120, episodes=None, out=out,
                           overrides=overrides, progress=True)
    err = capsys.readouterr().err
    assert "DQN CartPole-v1" in err and "120/120" in err, err  # progress=True reaches the loop
    assert record == read_json(out / "eval.json") and record["episodes"] == 2
    stored = read_json(out / "config.json")
    assert (stored["steps"], stored["episodes"], stored["seed"]) == (120, None, 3)
    config = dataclasses.replace(dqn.default_config("CartPole-v1"), steps=120, **overrides)
    assert stored["hyperparameters"] == json.loads(json.dumps(dataclasses.asdict(config)))
    # the same run as train() with that config and seed: the CartPole defaults under the
    # overrides, seed 3 (not 0), the whole 120 steps
    direct = dqn.train("CartPole-v1", config, seed=3)
    direct.metrics.to_csv(tmp_path / "direct.csv")
    assert (out / "metrics.csv").read_bytes() == (tmp_path / "direct.csv").read_bytes()
    assert _equal(dqn.load_agent(out).q_network, _params(direct.agent.q_network))
    # an episode cap reaches train: 2 episodes, then the run stops
    capped = dqn.train_run("dqn", "CartPole-v1", seed=3, steps=120, episodes=2, out=tmp_path / "capped",
                           overrides=overrides, progress=False)
    assert capsys.readouterr().err == ""
    assert capped["episodes"] == 2
    assert (tmp_path / "capped" / "metrics.csv").read_text().splitlines()[-1].split(",")[1] == "2"
    assert read_meta(tmp_path / "capped" / "model")["episode"] == 2


# --- the loop: what it acts, stores and logs -------------------------------------------------------

def test_the_loop_acts_by_its_epsilon_schedule_and_stores_and_logs_each_step_as_the_env_gave_it():
    # no update (learning_starts past the budget), so the greedy action is the returned agent's.
    # ε decays linearly from 1 to 0.2 over round(0.5 * 200) = 100 steps; ε at step t is the
    # schedule's value after the t − 1 steps before it: 1 − 0.8 (t − 1)/100, then 0.2. Each step
    # draws u from the run's generator (default_rng(seed)); u < ε explores, with the action
    # int(2 u') of a second draw u'. Redone here step by step, on a fresh env seeded as the run's
    seed = 4
    config = dataclasses.replace(SHORT, hidden=(16,), steps=200, learning_starts=1_000, eval_every=0,
                                 epsilon_start=1.0, epsilon_end=0.2, epsilon_decay_fraction=0.5)
    buffer = ReplayBuffer(200, obs_shape=(4,), seed=0)
    run = dqn.train("CartPole-v1", config, seed=seed, replay_buffer=buffer)
    assert len(buffer) == 200 and run.steps == 200
    rng = np.random.default_rng(seed)
    env = make_env("CartPole-v1")
    obs, _ = env.reset(seed=seed)
    rows, episode_return, explored = [], 0.0, 0
    for t in range(1, 201):
        epsilon = 1.0 - 0.8 * min((t - 1) / 100, 1.0)
        assert np.array_equal(buffer.obs[t - 1], obs)
        if rng.random() < epsilon:
            action, explored = int(rng.random() * 2), explored + 1
        else:
            action = run.agent.act(obs)
        assert buffer.action[t - 1] == action, t
        next_obs, reward, terminated, truncated, _ = env.step(action)
        assert np.array_equal(buffer.next_obs[t - 1], next_obs)
        assert (buffer.reward[t - 1], buffer.terminated[t - 1], buffer.truncated[t - 1]) == (
            reward, terminated, truncated)
        episode_return += reward
        obs = next_obs
        if terminated or truncated:
            rows.append((t, len(rows) + 1, episode_return, epsilon))
            obs, _ = env.reset()
            episode_return = 0.0
    env.close()
    assert 60 < explored < 190  # both kinds of action were taken
    logged = [row for row in run.metrics.rows if "episode_return" in row]
    assert [(r["step"], r["episode"], r["episode_return"]) for r in logged] == [r[:3] for r in rows]
    assert [r["epsilon"] for r in logged] == pytest.approx([r[3] for r in rows])
    assert len(rows) == run.episodes > 5
    # before any update the loss and mean Q of an episode's row are NaN: nothing measured yet
    assert all(math.isnan(r["loss"]) and math.isnan(r["q_mean"]) for r in logged)


def test_the_loops_episode_rows_carry_the_latest_updates_loss_and_mean_q():
    config = dataclasses.replace(SHORT, hidden=(16,), steps=150, learning_starts=50, eval_every=0)
    run = dqn.train("CartPole-v1", config, seed=0)
    rows = [row for row in run.metrics.rows if "episode_return" in row]
    before = [row for row in rows if row["step"] < 50]
    after = [row for row in rows if row["step"] >= 50]
    assert before and after
    assert all(math.isnan(row["loss"]) and math.isnan(row["q_mean"]) for row in before)
    assert all(math.isfinite(row["loss"]) and row["loss"] > 0 and math.isfinite(row["q_mean"])
               and row["q_mean"] != row["loss"] for row in after)


def test_train_without_a_config_takes_the_envs_tuned_one_and_checks_the_budget(capsys, monkeypatch):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")
    run = dqn.train("CartPole-v1", seed=0, steps=20)
    assert run.config == dqn.default_config("CartPole-v1") and run.steps == 20
    assert capsys.readouterr().err == ""  # no bar unless asked
    assert dqn.train("CartPole-v1", dataclasses.replace(SHORT, hidden=(8,)), steps=1).steps == 1
    with pytest.raises(ValueError) as error:
        dqn.train("CartPole-v1", SHORT, steps=0)
    assert str(error.value) == "steps must be in [1, inf], got 0"
    dqn.train("CartPole-v1", dataclasses.replace(SHORT, hidden=(8,), eval_every=0), steps=30, progress=True)
    err = capsys.readouterr().err
    assert "DQN CartPole-v1" in err and "30/30" in err, err


def test_the_refusals_before_training_say_why_in_full():
    with pytest.raises(ValueError) as error:
        dqn.train("Pendulum-v1", seed=0)
    assert str(error.value) == (
        "DQN needs a Discrete action space, but Pendulum-v1 has Box (Box(-2.0, 2.0, (1,), float32)). "
        "Use DDPG (`rlcourse train ddpg`), which learns a continuous action for this environment.")
    no_replay = dataclasses.replace(SHORT, hidden=(8,), use_replay=False, eval_every=0)
    with pytest.raises(ValueError) as error:
        dqn.train("CartPole-v1", no_replay, replay_buffer=ReplayBuffer(2, obs_shape=(4,)))
    assert str(error.value) == ("use_replay=False trains on the latest transition only: pass a "
                                "replay_buffer of capacity 1, or none")
    latest = ReplayBuffer(1, obs_shape=(4,))  # capacity 1 is what it asks for: accepted
    assert dqn.train("CartPole-v1", no_replay, steps=20, replay_buffer=latest).steps == 20
    assert len(latest) == 1


def test_the_loops_own_buffer_samples_with_the_runs_seed():
    # a buffer of buffer_size seeded with the run's seed, given to train, gives the same run bit for
    # bit as the loop's own buffer; one seeded otherwise samples other batches. The buffer is
    # smaller than the budget, so it wraps around as the loop's must
    config = dataclasses.replace(SHORT, hidden=(16,), steps=150, learning_starts=40, buffer_size=100,
                                 batch_size=16, eval_every=0)
    own = dqn.train("CartPole-v1", config, seed=3)
    same = dqn.train("CartPole-v1", config, seed=3, replay_buffer=ReplayBuffer(100, (4,), seed=3))
    other = dqn.train("CartPole-v1", config, seed=3, replay_buffer=ReplayBuffer(100, (4,), seed=4))
    assert _equal(own.agent.q_network, _params(same.agent.q_network))
    assert not _equal(own.agent.q_network, _params(other.agent.q_network))


def test_the_periodic_evaluations_run_on_the_envs_kwargs():
    # CartPole cut at 5 steps: no policy drops the pole that fast, so every greedy evaluation
    # episode lasts exactly 5 steps (uncut, the first one lasts at least 8)
    config = dataclasses.replace(SHORT, hidden=(8,), steps=100, learning_starts=1_000, eval_every=50,
                                 eval_episodes=2)
    run = dqn.train("CartPole-v1", config, seed=0, env_kwargs={"max_episode_steps": 5})
    assert run.metrics.column("eval_mean_return") == [(50, 5.0), (100, 5.0)]
    assert {row["episode_return"] for row in run.metrics.rows if "episode_return" in row} == {5.0}


def test_a_resumed_run_seeds_its_env_with_the_seed_plus_the_episodes_done(tmp_path):
    config = dataclasses.replace(SHORT, hidden=(16,), steps=100, learning_starts=1_000, eval_every=100,
                                 eval_episodes=1)
    first = dqn.train("CartPole-v1", config, seed=2, checkpoint_dir=tmp_path / "ckpt")
    meta = read_meta(tmp_path / "ckpt")
    assert (meta["seed"], meta["env_id"], meta["step"], meta["episode"]) == (2, "CartPole-v1", 100,
                                                                            first.episodes)
    buffer = ReplayBuffer(100, obs_shape=(4,), seed=0)
    resumed = dqn.train("CartPole-v1", config, seed=2, steps=130, resume_from=tmp_path / "ckpt",
                        replay_buffer=buffer)
    assert len(buffer) == 30 and resumed.steps == 130
    with make_env("CartPole-v1") as env:
        assert np.array_equal(buffer.obs[0], env.reset(seed=2 + first.episodes)[0])
    rows = [row for row in resumed.metrics.rows if "episode_return" in row]
    assert rows and rows[0]["episode"] == first.episodes + 1
