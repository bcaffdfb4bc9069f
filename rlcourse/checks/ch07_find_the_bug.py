"""Checks of exercises/07_find_the_bug: five training snippets, each with one silent bug.

The references are the fixed snippets, written here from the package's functions (``rlcourse.dqn``,
``rlcourse.networks``, ``rlcourse.ddpg``); each catalogue holds the bug the notebook hands out and
its near relatives. The TD-target snippet is checked by ``check_td_target`` (chapter 04).
"""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from .engine import Exercise, Mutant, checker, flat, is_tensor

def _transitions(seed: int, batch_size: int = 8, obs_dim: int = 4, n_actions: int = 2):
    """A seeded mini-batch of made-up transitions, some terminated, some truncated (never both)."""
    import torch

    from rlcourse.replay import Batch

    generator = torch.Generator().manual_seed(seed)
    flags = torch.rand(batch_size, generator=generator)
    return Batch(obs=torch.randn(batch_size, obs_dim, generator=generator),
                 action=torch.randint(0, n_actions, (batch_size,), generator=generator),
                 reward=torch.randn(batch_size, generator=generator),
                 next_obs=torch.randn(batch_size, obs_dim, generator=generator),
                 terminated=(flags < 0.3).float(), truncated=((flags >= 0.3) & (flags < 0.6)).float())


def _q_network_pair(seed: int):
    import torch

    from rlcourse.networks import mlp

    torch.manual_seed(seed)
    return mlp(4, 2, hidden=(8,)), mlp(4, 2, hidden=(8,))


def _loss_from_batch_cases() -> list[dict]:
    cases = []
    for seed in (8, 9):
        q_network, target_q_network = _q_network_pair(seed)
        cases.append(dict(q_network=q_network, target_q_network=target_q_network, batch=_transitions(seed),
                          gamma=0.99))
    return cases


def _observe_loss_from_batch(fn: Callable, case: dict) -> dict:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        inputs = copy.deepcopy(case)
        loss = fn(**inputs)
    seen = {"loss": loss}
    if is_tensor(loss) and loss.requires_grad:
        loss.backward()
    grads = [p.grad for p in inputs["target_q_network"].parameters()]
    seen["the target network gets gradients"] = any(g is not None and bool(g.abs().sum() > 0) for g in grads)
    seen["the online network gets gradients"] = any(p.grad is not None for p in inputs["q_network"].parameters())
    return seen


def _reference_loss_from_batch(q_network, target_q_network, batch, gamma):
    import torch

    from rlcourse.dqn import dqn_loss, td_target

    with torch.no_grad():
        target = td_target(batch.reward, target_q_network(batch.next_obs), batch.terminated, gamma)
    return dqn_loss(q_network(batch.obs), batch.action, target)


def _loss_from_batch_mutants() -> list[Mutant]:
    import torch

    from rlcourse.dqn import dqn_loss, td_target

    def with_grad(q_network, target_q_network, batch, gamma):
        target = td_target(batch.reward, target_q_network(batch.next_obs), batch.terminated, gamma)
        return dqn_loss(q_network(batch.obs), batch.action, target)

    def truncated_terminal(q_network, target_q_network, batch, gamma):
        with torch.no_grad():
            done = torch.maximum(batch.terminated, batch.truncated)
            target = td_target(batch.reward, target_q_network(batch.next_obs), done, gamma)
        return dqn_loss(q_network(batch.obs), batch.action, target)

    def online_target(q_network, target_q_network, batch, gamma):
        with torch.no_grad():
            target = td_target(batch.reward, q_network(batch.next_obs), batch.terminated, gamma)
        return dqn_loss(q_network(batch.obs), batch.action, target)

    return [
        Mutant("gradients_into_target", "gradients flow into the target network: compute the TD target "
               "under torch.no_grad() (or .detach() it), it is a fixed label", with_grad),
        Mutant("truncated_as_terminal", "you treated truncated as terminal: a time limit does not end the "
               "future, so only batch.terminated may stop the bootstrap", truncated_terminal),
        Mutant("online_network_target", "your target uses the online network; the next state's value comes "
               "from target_q_network", online_target),
    ]


LOSS_FROM_BATCH = Exercise(
    name="loss_from_batch", reference=lambda: _reference_loss_from_batch,
    cases=_loss_from_batch_cases, observe=_observe_loss_from_batch, mutants=_loss_from_batch_mutants)


def _collect_cases() -> list[dict]:
    return [dict(max_episode_steps=6, policy="balance", seed=0),   # cut by the time limit: truncated
            dict(max_episode_steps=40, policy="push_left", seed=1)]  # the pole falls: terminated


def _collect_reference(env, policy, buffer, seed):
    obs, _ = env.reset(seed=seed)
    episode_return = 0.0
    while True:
        action = policy(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated=terminated, truncated=truncated)
        episode_return += reward
        if terminated or truncated:
            return episode_return
        obs = next_obs


def _observe_collect(fn: Callable, case: dict) -> dict:
    import gymnasium as gym

    from rlcourse.replay import ReplayBuffer

    env = gym.make("CartPole-v1", max_episode_steps=case["max_episode_steps"])
    policies = {"balance": lambda obs: int(obs[2] + obs[3] > 0), "push_left": lambda obs: 0}
    buffer = ReplayBuffer(64, obs_shape=(4,), seed=0)
    episode_return = fn(env=env, policy=policies[case["policy"]], buffer=buffer, seed=case["seed"])
    env.close()
    n = len(buffer)
    return {"returned episode return": episode_return, "transitions stored": n,
            "stored terminated": buffer.terminated[:n].astype(float),
            "stored truncated": buffer.truncated[:n].astype(float),
            "stored obs": buffer.obs[:n], "stored next_obs": buffer.next_obs[:n]}


def _collect_mutants() -> list[Mutant]:
    def merged(env, policy, buffer, seed):
        obs, _ = env.reset(seed=seed)
        episode_return = 0.0
        while True:
            action = policy(obs)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            done = terminated or truncated
            buffer.add(obs, action, reward, next_obs, terminated=done, truncated=truncated)
            episode_return += reward
            if done:
                return episode_return
            obs = next_obs

    def stale_obs(env, policy, buffer, seed):
        obs, _ = env.reset(seed=seed)
        episode_return = 0.0
        while True:
            action = policy(obs)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            buffer.add(obs, action, reward, next_obs, terminated=terminated, truncated=truncated)
            episode_return += reward
            if terminated or truncated:
                return episode_return

    return [
        Mutant("truncated_as_terminal", "you treated truncated as terminal: a time limit cuts the episode but "
               "the future still exists, so store terminated as it is (end the loop on either)", merged),
        Mutant("obs_not_advanced", "obs is never moved on to next_obs, so every transition starts from the "
               "first state", stale_obs),
    ]


COLLECT_EPISODE = Exercise(
    name="collect_episode", reference=lambda: _collect_reference,
    cases=_collect_cases, observe=_observe_collect, mutants=_collect_mutants)


def _train_steps_cases() -> list[dict]:
    import torch

    cases = []
    for seed, every in ((10, 2), (11, 3)):
        q_network, target_q_network = _q_network_pair(seed)
        target_q_network.load_state_dict(q_network.state_dict())
        optimizer = torch.optim.Adam(q_network.parameters(), lr=1e-2)
        cases.append(dict(q_network=q_network, target_q_network=target_q_network, optimizer=optimizer,
                          batches=[_transitions(seed * 10 + i) for i in range(6)], gamma=0.99,
                          target_update_every=every))
    return cases


def _observe_train_steps(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)  # one deepcopy: the optimizer keeps pointing at the copied network
    fn(**inputs)
    return {"target parameters after": flat(inputs["target_q_network"]),
            "online parameters after": flat(inputs["q_network"])}


def _train_steps(update_target: Callable) -> Callable:
    def train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
        from rlcourse.dqn import dqn_update

        for step, batch in enumerate(batches, start=1):
            dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
            update_target(step, target_update_every, q_network, target_q_network)
    return train_steps


def _train_steps_mutants() -> list[Mutant]:
    from rlcourse.networks import hard_update

    def reversed_update(step, every, q_network, target_q_network):
        if step % every == 0:
            hard_update(q_network, target_q_network)

    def every_step(step, every, q_network, target_q_network):
        hard_update(target_q_network, q_network)

    return [
        Mutant("reversed_update", "the target network is never updated: hard_update(q_network, "
               "target_q_network) copies the target INTO the online network (arguments are target, online)",
               _train_steps(reversed_update)),
        Mutant("never_updated", "the target network is never updated: call hard_update(target_q_network, "
               "q_network) every target_update_every steps (a new local object, as in `target_q_network = "
               "copy.deepcopy(q_network)`, leaves the caller's network as it was)", _train_steps(lambda *args: None)),
        Mutant("updated_every_step", "the target network is updated at every step, so it is no fixed target: "
               "update it only every target_update_every steps", _train_steps(every_step)),
    ]


def _reference_update(step, every, q_network, target_q_network):
    from rlcourse.networks import hard_update

    if step % every == 0:
        hard_update(target_q_network, q_network)


TRAIN_STEPS = Exercise(
    name="train_steps", reference=lambda: _train_steps(_reference_update),
    cases=_train_steps_cases, observe=_observe_train_steps, mutants=_train_steps_mutants)


def _tanh_net(seed: int):
    """A small policy network whose output, a tanh, lies in [-1, 1]: (B, 3) -> (B, 1)."""
    import torch
    from torch import nn

    from rlcourse.networks import mlp

    torch.manual_seed(seed)
    return mlp(3, 1, hidden=(8,), output_activation=nn.Tanh)


def _select_action_cases() -> list[dict]:
    return [dict(actor_net=_tanh_net(seed), obs=obs, low=low, high=high, noise_scale=1.0, seed=seed)
            for seed, obs, low, high in (
                (16, np.array([0.1, -0.2, 0.3], dtype=np.float32), np.array([-2.0], dtype=np.float32),
                 np.array([2.0], dtype=np.float32)),
                (17, np.array([1.0, 0.5, -1.0], dtype=np.float32), np.array([0.0], dtype=np.float32),
                 np.array([4.0], dtype=np.float32)))]


def _observe_select_action(fn: Callable, case: dict) -> dict:
    inputs = {k: v for k, v in copy.deepcopy(case).items() if k != "seed"}
    rng = np.random.default_rng(case["seed"])
    actions = [fn(rng=rng, **inputs) for _ in range(5)]
    return {"actions": np.stack([np.asarray(a, dtype=float) for a in actions])}


def _select_action_reference(actor_net, obs, low, high, noise_scale, rng):
    import torch

    from rlcourse.ddpg import scale_action

    with torch.no_grad():
        raw_action = actor_net(torch.as_tensor(obs)).numpy()  # in [-1, 1]: a tanh
    raw_action = np.clip(raw_action + noise_scale * rng.standard_normal(raw_action.shape), -1.0, 1.0)
    return scale_action(raw_action, low, high)


def _select_action_mutants() -> list[Mutant]:
    import torch

    from rlcourse.ddpg import scale_action

    def unscaled(actor_net, obs, low, high, noise_scale, rng):
        with torch.no_grad():
            raw_action = actor_net(torch.as_tensor(obs)).numpy()
        return np.clip(raw_action + noise_scale * rng.standard_normal(raw_action.shape), -1.0, 1.0)

    def unclipped(actor_net, obs, low, high, noise_scale, rng):
        with torch.no_grad():
            raw_action = actor_net(torch.as_tensor(obs)).numpy()
        return scale_action(raw_action + noise_scale * rng.standard_normal(raw_action.shape), low, high)

    return [
        Mutant("unscaled", "the action is never scaled to the env's bounds: the actor's tanh gives [−1, 1], "
               "the env wants [low, high]; return scale_action(raw_action, low, high)", unscaled),
        Mutant("noise_outside_bounds", "with the noise added the action can leave the bounds: clip the noisy "
               "raw action to [−1, 1] before scaling", unclipped),
    ]


SELECT_ACTION = Exercise(
    name="select_action", reference=lambda: _select_action_reference,
    cases=_select_action_cases, observe=_observe_select_action, mutants=_select_action_mutants)


check_loss_from_batch = checker(LOSS_FROM_BATCH, "loss_from_batch(q_network, target_q_network, batch, gamma) -> loss")
check_collect_episode = checker(COLLECT_EPISODE, "collect_episode(env, policy, buffer, seed) -> episode_return")
check_train_steps = checker(
    TRAIN_STEPS, "train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every)")
check_select_action = checker(
    SELECT_ACTION, "select_action(actor_net, obs, low, high, noise_scale, rng) -> action (noisy, in bounds)")
