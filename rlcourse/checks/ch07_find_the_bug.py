"""Checks of exercises/07_find_the_bug: five training snippets, each with one silent bug.

The references are the fixed snippets, written here from the package's functions (``rlcourse.dqn``,
``rlcourse.networks``, ``rlcourse.ddpg``); each catalogue holds the bug the notebook hands out and
its near relatives. The TD-target snippet is checked by ``check_td_target`` (chapter 04).
"""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from rlcourse.i18n import N_, _

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
    seen = {N_("loss"): loss}
    if is_tensor(loss) and loss.requires_grad:
        loss.backward()
    grads = [p.grad for p in inputs["target_q_network"].parameters()]
    seen[N_("the target network gets gradients")] = any(g is not None and bool(g.abs().sum() > 0) for g in grads)
    seen[N_("the online network gets gradients")] = any(p.grad is not None for p in inputs["q_network"].parameters())
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

    def online_no_grad(q_network, target_q_network, batch, gamma):
        with torch.no_grad():
            q_values = q_network(batch.obs)
        next_q_values = target_q_network(batch.next_obs)
        return dqn_loss(q_values, batch.action, td_target(batch.reward, next_q_values, batch.terminated, gamma))

    def online_target(q_network, target_q_network, batch, gamma):
        with torch.no_grad():
            target = td_target(batch.reward, q_network(batch.next_obs), batch.terminated, gamma)
        return dqn_loss(q_network(batch.obs), batch.action, target)

    return [
        Mutant("gradients_into_target", _("gradients flow into the target network: compute the TD target "
               "under torch.no_grad() (or .detach() it), it is a fixed label"), with_grad),
        Mutant("truncated_as_terminal", _("you treated truncated as terminal: a time limit does not end the "
               "future, so only batch.terminated may stop the bootstrap"), truncated_terminal),
        Mutant("online_network_target", _("your target uses the online network; the next state's value comes "
               "from target_q_network"), online_target),
        Mutant("online_without_gradient", _("the online network gets no gradient: only the target's forward pass "
               "goes under torch.no_grad(); q_network(batch.obs) must keep its graph so the loss can train it"),
               online_no_grad, holds=lambda have, want, cases: not any(h["the online network gets gradients"]
                                                                      for h in have)),
    ]


LOSS_FROM_BATCH = Exercise(
    name="loss_from_batch", reference=lambda: _reference_loss_from_batch,
    cases=_loss_from_batch_cases, observe=_observe_loss_from_batch, mutants=_loss_from_batch_mutants)


def _collect_cases() -> list[dict]:
    return [dict(max_episode_steps=6, policy="balance", seed=0),   # cut by the time limit: truncated
            dict(max_episode_steps=40, policy="push_left", seed=1),  # the pole falls: terminated
            dict(max_episode_steps=9, policy="push_left", seed=2)]  # it falls on the time limit's step: both


def _collect_reference(env, policy, buffer, seed):
    obs, _info = env.reset(seed=seed)
    episode_return = 0.0
    while True:
        action = policy(obs)
        next_obs, reward, terminated, truncated, _info = env.step(action)
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
    return {N_("returned episode return"): episode_return, N_("transitions stored"): n,
            N_("stored terminated"): buffer.terminated[:n].astype(float),
            N_("stored truncated"): buffer.truncated[:n].astype(float),
            N_("stored obs"): buffer.obs[:n], N_("stored next_obs"): buffer.next_obs[:n]}


def _collect_mutants() -> list[Mutant]:
    def merged(env, policy, buffer, seed):
        obs, _info = env.reset(seed=seed)
        episode_return = 0.0
        while True:
            action = policy(obs)
            next_obs, reward, terminated, truncated, _info = env.step(action)
            done = terminated or truncated
            buffer.add(obs, action, reward, next_obs, terminated=done, truncated=truncated)
            episode_return += reward
            if done:
                return episode_return
            obs = next_obs

    def stale_obs(env, policy, buffer, seed):
        obs, _info = env.reset(seed=seed)
        episode_return = 0.0
        while True:
            action = policy(obs)
            next_obs, reward, terminated, truncated, _info = env.step(action)
            buffer.add(obs, action, reward, next_obs, terminated=terminated, truncated=truncated)
            episode_return += reward
            if terminated or truncated:
                return episode_return

    def stops_on_terminated_only(env, policy, buffer, seed):
        obs, _info = env.reset(seed=seed)
        episode_return = 0.0
        for _call in range(100):  # the mistake runs on past the time limit; 100 steps show it
            action = policy(obs)
            next_obs, reward, terminated, truncated, _info = env.step(action)
            buffer.add(obs, action, reward, next_obs, terminated=terminated, truncated=truncated)
            episode_return += reward
            if terminated:
                break
            obs = next_obs
        return episode_return

    def flags_swapped(env, policy, buffer, seed):
        return _collect_reference(env, policy, _Swapping(buffer), seed)

    def never_terminal(env, policy, buffer, seed):
        return _collect_reference(env, policy, _NeverTerminal(buffer), seed)

    def stores_next_obs_as_obs(env, policy, buffer, seed):
        return _collect_reference(env, policy, _NextObsAsObs(buffer), seed)

    def unseeded(env, policy, buffer, seed):
        return _collect_reference(env, policy, buffer, seed + 1)

    def terminal_dropped(env, policy, buffer, seed):
        return _collect_reference(env, policy, _TerminalDroppedAtLimit(buffer), seed)

    def stored(name):
        return lambda h: h[f"stored {name}"]

    return [
        Mutant("truncated_as_terminal", _("you treated truncated as terminal: a time limit cuts the episode but "
               "the future still exists, so store terminated as it is (end the loop on either)"), merged),
        Mutant("obs_not_advanced", _("obs is never moved on to next_obs, so every transition starts from the "
               "first state"), stale_obs),
        Mutant("flags_swapped", _("you stored terminated as truncated and truncated as terminated: pass each "
               "flag to buffer.add under its own name"), flags_swapped,
               holds=lambda have, want, cases: all(np.array_equal(h["stored terminated"], w["stored truncated"])
                                                   and np.array_equal(h["stored truncated"], w["stored terminated"])
                                                   for h, w in zip(have, want))),
        Mutant("never_terminal", _("no transition is stored as terminated, though the pole fell: store the "
               "terminated flag env.step returned"), never_terminal,
               holds=lambda have, want, cases: all(not h["stored terminated"].any() for h in have)),
        Mutant("loop_runs_on", _("the loop runs on after the episode ended: stop when terminated or truncated"),
               stops_on_terminated_only,
               holds=lambda have, want, cases: any(h["transitions stored"] > w["transitions stored"]
                                                   for h, w in zip(have, want))),
        Mutant("not_reset_with_seed", _("the episode does not start where env.reset(seed=seed) puts it: reset "
               "with the seed you are given"), unseeded,
               holds=lambda have, want, cases: any(len(h["stored obs"]) and len(w["stored obs"])
                                                   and not np.allclose(h["stored obs"][0], w["stored obs"][0])
                                                   and not np.allclose(h["stored obs"][0], w["stored next_obs"][0])
                                                   for h, w in zip(have, want))),
        Mutant("next_obs_as_obs", _("every transition is stored with the next observation as its obs: keep the "
               "obs the action was taken in apart from env.step's next_obs"), stores_next_obs_as_obs,
               holds=lambda have, want, cases: all(len(h["stored obs"]) and np.allclose(h["stored obs"],
                                                                                        h["stored next_obs"])
                                                   for h in have)),
        Mutant("terminal_dropped_at_time_limit", _("on the last step the pole fell AND the time limit hit: "
               "terminated and truncated are both True then, and terminated must be stored as env.step gave it"),
               terminal_dropped, holds=lambda have, want, cases: any(
                   not np.array_equal(h["stored terminated"], w["stored terminated"]) for h, w in zip(have, want))),
    ]


class _BufferProxy:
    """Passes add() on to a buffer, changing what is stored the way one mistake does."""

    def __init__(self, buffer) -> None:
        self.buffer = buffer

    def add(self, obs, action, reward, next_obs, terminated, truncated):
        self.buffer.add(*self.change(obs, action, reward, next_obs, terminated, truncated))


class _Swapping(_BufferProxy):
    def change(self, obs, action, reward, next_obs, terminated, truncated):
        return obs, action, reward, next_obs, truncated, terminated


class _NeverTerminal(_BufferProxy):
    def change(self, obs, action, reward, next_obs, terminated, truncated):
        return obs, action, reward, next_obs, False, truncated


class _NextObsAsObs(_BufferProxy):
    def change(self, obs, action, reward, next_obs, terminated, truncated):
        return next_obs, action, reward, next_obs, terminated, truncated


class _TerminalDroppedAtLimit(_BufferProxy):
    def change(self, obs, action, reward, next_obs, terminated, truncated):
        return obs, action, reward, next_obs, terminated and not truncated, truncated


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
    return {N_("target parameters after"): flat(inputs["target_q_network"]),
            N_("online parameters after"): flat(inputs["q_network"])}


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

    def before_the_step(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
        from rlcourse.dqn import dqn_update

        for step, batch in enumerate(batches, start=1):
            _reference_update(step, target_update_every, q_network, target_q_network)
            dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)

    def rebinds(q_network, target_q_network, optimizer, batches, gamma, target_update_every):
        from rlcourse.dqn import dqn_update

        for step, batch in enumerate(batches, start=1):
            dqn_update(q_network, target_q_network, optimizer, batch, gamma=gamma)
            if step % target_update_every == 0:
                target_q_network = q_network

    def counts_from_zero(step, every, q_network, target_q_network):
        _reference_update(step - 1, every, q_network, target_q_network)

    def off_steps(step, every, q_network, target_q_network):
        if step % every:
            hard_update(target_q_network, q_network)

    return [
        Mutant("counts_from_zero", _("your step count starts at 0, so the target is updated after steps 1, 3, 5 "
               "... (every 2) instead of 2, 4, 6: enumerate(batches, start=1)"), _train_steps(counts_from_zero)),
        Mutant("updates_on_off_steps", _("`if step % target_update_every:` is true when the step is NOT a "
               "multiple: compare with == 0"), _train_steps(off_steps)),
        Mutant("copied_before_the_step", _("the target is copied before the gradient step, so it holds the network "
               "of one update before: update the target after dqn_update"), before_the_step),
        Mutant("rebinds_target", _("`target_q_network = q_network` only renames a local variable: the caller's "
               "target never changes and later updates use the online network as its own target; copy the "
               "parameters with hard_update(target_q_network, q_network)"), rebinds),
        Mutant("reversed_update", _("the target network is never updated: hard_update(q_network, "
               "target_q_network) copies the target INTO the online network (arguments are target, online)"),
               _train_steps(reversed_update)),
        Mutant("never_updated", _("the target network is never updated: call hard_update(target_q_network, "
               "q_network) every target_update_every steps (a new local object, as in `target_q_network = "
               "copy.deepcopy(q_network)`, leaves the caller's network as it was)"), _train_steps(lambda *args: None)),
        Mutant("updated_every_step", _("the target network is updated at every step, so it is no fixed target: "
               "update it only every target_update_every steps"), _train_steps(every_step)),
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
    state = copy.deepcopy(rng.bit_generator.state)
    actions = np.stack([np.asarray(fn(rng=rng, **inputs), dtype=float) for _call in range(5)])
    return {N_("actions"): actions, N_("draws its noise from the given rng"): rng.bit_generator.state != state,
            "_bounds": (case["low"], case["high"])}


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

    def clipped_to_bounds(actor_net, obs, low, high, noise_scale, rng):
        with torch.no_grad():
            raw_action = actor_net(torch.as_tensor(obs)).numpy()
        return np.clip(raw_action + noise_scale * rng.standard_normal(raw_action.shape), low, high)

    def variant(change):
        def select_action(actor_net, obs, low, high, noise_scale, rng):
            with torch.no_grad():
                raw_action = actor_net(torch.as_tensor(obs)).numpy()
            return change(raw_action, low, high, noise_scale, rng)
        return select_action

    def noisy(raw_action, noise_scale, rng):
        return np.clip(raw_action + noise_scale * rng.standard_normal(raw_action.shape), -1.0, 1.0)

    return [
        Mutant("noise_not_from_rng", _("the noise is not drawn from the `rng` argument (np.random or a generator "
               "of your own), so the same seed does not give the same actions: rng.standard_normal(...)"),
               variant(lambda raw, low, high, scale, rng: scale_action(np.clip(
                   raw + scale * np.random.standard_normal(raw.shape), -1.0, 1.0), low, high)),
               holds=lambda have, want, cases: not all(h["draws its noise from the given rng"] for h in have)),
        Mutant("unscaled", _("the action is never scaled to the env's bounds: the actor's tanh gives [−1, 1], "
               "the env wants [low, high]; return scale_action(raw_action, low, high)"), unscaled),
        Mutant("noise_outside_bounds", _("with the noise added the action can leave the bounds: clip the noisy "
               "raw action to [−1, 1] before scaling"), unclipped),
        Mutant("clipped_not_scaled", _("clipping to [low, high] is not scaling: the actor's [−1, 1] must be mapped "
               "onto [low, high] with scale_action(raw_action, low, high)"), clipped_to_bounds),
        Mutant("scaled_then_clipped_to_unit", _("you scaled the action and then clipped it to [−1, 1], which cuts "
               "the bounds off again: clip the noisy raw action to [−1, 1] first, then scale it"),
               variant(lambda raw, low, high, scale, rng: np.clip(
                   scale_action(raw, low, high) + scale * rng.standard_normal(raw.shape), -1.0, 1.0))),
        Mutant("bounds_swapped", _("you passed the bounds in the wrong order: scale_action(raw_action, low, high), "
               "low first"), variant(lambda raw, low, high, scale, rng: scale_action(noisy(raw, scale, rng), high, low))),
        Mutant("times_high", _("raw_action · high works only for bounds symmetric around 0: use "
               "scale_action(raw_action, low, high)"),
               variant(lambda raw, low, high, scale, rng: noisy(raw, scale, rng) * high)),
        Mutant("noise_scaled_by_width", _("you stretched the noise by the full width high − low after scaling: add "
               "the noise to the raw action in [−1, 1], clip, then scale (that stretches it by half the width)"),
               variant(lambda raw, low, high, scale, rng: np.clip(
                   scale_action(raw, low, high) + scale * (high - low) * rng.standard_normal(raw.shape), low, high))),
        Mutant("stays_in_unit_interval", _("your actions never leave [−1, 1], though the env's bounds are wider: "
               "clip the noisy raw action to [−1, 1], then scale it with scale_action(raw_action, low, high)"),
               variant(lambda raw, low, high, scale, rng: np.tanh(scale_action(noisy(raw, scale, rng), low, high))),
               holds=lambda have, want, cases: all(np.abs(h["actions"]).max() <= 1.0 for h in have)),
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
