"""Checks of exercises/06_ddpg: action scaling, the critic's target, the actor's loss (chapters 05-06).

References: ``rlcourse.ddpg``. Besides exact mutants the catalogues name mistakes by property:
whether a target can be the label of a loss and carries no gradient into the target networks,
which rows of it are wrong, whether an actor loss is a scalar whose gradient reaches the actor,
and where the ends −1 and +1 of a raw action land.
"""

from __future__ import annotations

import copy
from typing import Callable

import numpy as np

from rlcourse.i18n import N_, _

from .engine import Exercise, Mutant, _MutatedInput, as_array, call, checker, is_tensor, ratio_everywhere, same
from .fixtures import actor, critic
from .properties import only_terminated_rows_wrong, output_shape, usable_as_label


def _critic_target_cases() -> list[dict]:
    import torch

    cases = []
    for seed, batch_size in ((12, 3), (13, 16)):
        generator = torch.Generator().manual_seed(seed)
        cases.append(dict(target_actor=actor(seed), target_critic=critic(seed + 100),
                          reward=torch.randn(batch_size, generator=generator),
                          next_obs=torch.randn(batch_size, 3, generator=generator),
                          terminated=torch.tensor([0.0, 1.0, 0.0]) if batch_size == 3 else
                          (torch.rand(batch_size, generator=generator) < 0.3).float(), gamma=0.99))
    return cases


def _observe_critic_target(fn: Callable, case: dict) -> dict:
    output, _inputs = call(fn, case)
    return {N_("output"): output,
            N_("output carries gradients into the target networks"): bool(is_tensor(output) and output.requires_grad),
            N_("the target can be the label of a loss"): usable_as_label(output)}


def _batch_size(case: dict) -> int:
    return len(case["reward"])


def _critic_target_mutants() -> list[Mutant]:
    import torch

    def mutant(mask=lambda t: 1.0 - t, discount=True, reward_column=False, no_grad=True):
        def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
            with torch.set_grad_enabled(not no_grad):
                next_q = target_critic(next_obs, target_actor(next_obs))  # (B,)
                r = reward.unsqueeze(1) if reward_column else reward
                return r + (gamma if discount else 1.0) * mask(terminated) * next_q
        return critic_target

    @torch.no_grad()
    def swapped_arguments(target_actor, target_critic, reward, next_obs, terminated, gamma):
        return reward + gamma * (1.0 - terminated) * target_critic(target_actor(next_obs), next_obs)

    @torch.no_grad()
    def gamma_on_reward(target_actor, target_critic, reward, next_obs, terminated, gamma):
        return gamma * (reward + (1.0 - terminated) * target_critic(next_obs, target_actor(next_obs)))

    def in_inference_mode(target_actor, target_critic, reward, next_obs, terminated, gamma):
        with torch.inference_mode():
            return reward + gamma * (1.0 - terminated) * target_critic(next_obs, target_actor(next_obs))

    return [
        Mutant("gradients_into_target", _("gradients flow into the target networks: compute the target under "
               "torch.no_grad(), it is a fixed label"), mutant(no_grad=False),
               holds=lambda have, want, cases: any(h["output carries gradients into the target networks"]
                                                   for h in have)),
        Mutant("inference_mode", _("your target was made under torch.inference_mode(), so it cannot be the label "
               "of the critic's loss (backward() fails on it); use torch.no_grad()"), in_inference_mode,
               holds=lambda have, want, cases: any(h["the target can be the label of a loss"] is False
                                                   for h in have)),
        Mutant("bootstraps_terminal", _("your target bootstraps through a terminated transition: multiply the "
               "next value by (1 − terminated)"), mutant(mask=lambda t: 1.0)),
        Mutant("mask_inverted", _("you multiplied by terminated instead of (1 − terminated)"), mutant(mask=lambda t: t)),
        Mutant("terminal_rows_wrong", _("only the rows of terminated transitions are wrong: where terminated is 1 "
               "the target is just the reward"), mutant(mask=lambda t: 1.0 - 0.5 * t), holds=only_terminated_rows_wrong),
        Mutant("broadcast_batch_batch", _("your shapes broadcast to (batch, batch): a (batch, 1) tensor met a "
               "(batch,) one; keep reward, terminated and Q all (batch,)"), mutant(reward_column=True),
               holds=output_shape(lambda shape, c: shape == (_batch_size(c),) * 2 and _batch_size(c) > 1)),
        Mutant("column_not_vector", _("your target has shape (batch, 1); it must be (batch,): the critic already "
               "returns (batch,), so do not unsqueeze or keep a dimension"),
               lambda target_actor, target_critic, reward, next_obs, terminated, gamma: mutant()(
                   target_actor, target_critic, reward, next_obs, terminated, gamma).unsqueeze(1),
               holds=output_shape(lambda shape, c: shape == (_batch_size(c), 1))),
        Mutant("no_gamma", _("your target does not discount: multiply the next value by γ"), mutant(discount=False)),
        Mutant("critic_arguments_swapped", _("you called the critic as target_critic(action, obs); it takes "
               "(obs, action): target_critic(next_obs, target_actor(next_obs))"), swapped_arguments),
        Mutant("gamma_on_reward", _("you discounted the reward too: y = r + γ (1 − terminated) Q′(s′, μ′(s′)), "
               "the reward itself is not multiplied by γ"), gamma_on_reward),
        Mutant("not_a_tensor", _("return the target as a torch tensor (batch,), not a numpy array or a number: "
               "it is the label of the critic's loss"),
               lambda target_actor, target_critic, reward, next_obs, terminated, gamma: mutant()(
                   target_actor, target_critic, reward, next_obs, terminated, gamma).numpy(),
               holds=lambda have, want, cases: any(not is_tensor(h["output"]) for h in have)),
    ]


CRITIC_TARGET = Exercise(
    name="critic_target", reference="rlcourse.ddpg:critic_target",
    cases=_critic_target_cases, observe=_observe_critic_target, mutants=_critic_target_mutants,
    exception_hints=((("mat1 and mat2",), N_("a network got an input of the wrong width: the target actor takes "
                                             "next_obs, the target critic takes (next_obs, next action)")),))


def _actor_loss_cases() -> list[dict]:
    import torch

    return [dict(actor=actor(seed), critic=critic(seed + 100),
                 obs=torch.randn(batch_size, 3, generator=torch.Generator().manual_seed(seed)))
            for seed, batch_size in ((14, 4), (15, 16))]


def _observe_actor_loss(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)
    loss = fn(**inputs)
    if not same(case["obs"], inputs["obs"]):
        raise _MutatedInput("obs")
    seen = {N_("loss"): loss, N_("loss has a graph"): bool(is_tensor(loss) and loss.requires_grad),
            "_a new leaf": bool(is_tensor(loss) and loss.requires_grad and loss.grad_fn is None)}
    # backward() only on what can be a loss: a (batch,) vector is told as such, never crashes the check
    if seen["loss has a graph"] and loss.numel() == 1:
        loss.backward()
    seen[N_("gradient reaches the actor")] = any(p.grad is not None and bool(p.grad.abs().sum() > 0)
                                             for p in inputs["actor"].parameters())
    seen[N_("the critic can still be trained")] = all(p.requires_grad for p in inputs["critic"].parameters())
    return seen


def _freezes_critic(actor, critic, obs):
    for param in critic.parameters():
        param.requires_grad_(False)
    return -critic(obs, actor(obs)).mean()


def _actor_loss_mutants() -> list[Mutant]:
    import torch

    return [
        Mutant("item", _("you returned a Python number (.item()); return the loss tensor so you can call "
               ".backward() on it"), lambda actor, critic, obs: -critic(obs, actor(obs)).mean().item(),
               holds=lambda have, want, cases: any(not is_tensor(h["loss"]) for h in have)),
        Mutant("not_reduced", _("your loss is one number per state, shape (batch,); average it to a scalar "
               "with .mean(): −critic(obs, actor(obs)).mean()"), lambda actor, critic, obs: -critic(obs, actor(obs)),
               holds=lambda have, want, cases: any(is_tensor(h["loss"]) and h["loss"].numel() > 1 for h in have)),
        Mutant("wrong_sign", _("your loss has the wrong sign: the actor must climb the critic, so minimise "
               "−Q(s, μ(s)): loss = −critic(obs, actor(obs)).mean()"),
               lambda actor, critic, obs: critic(obs, actor(obs)).mean(),
               holds=lambda have, want, cases: all(ratio_everywhere(h["loss"], w["loss"], -1.0)
                                                   for h, w in zip(have, want))),
        Mutant("under_no_grad", _("you computed the loss under torch.no_grad(), so it cannot train anything"),
               torch.no_grad()(lambda actor, critic, obs: -critic(obs, actor(obs)).mean())),
        Mutant("new_leaf", _("your loss is a new tensor (torch.tensor(...) of a number) with no connection to the "
               "actor: backward() on it reaches nothing; return the loss computed from critic(obs, actor(obs))"),
               lambda actor, critic, obs: torch.tensor(-critic(obs, actor(obs)).mean().item(), requires_grad=True),
               holds=lambda have, want, cases: any(h["_a new leaf"] for h in have)),
        Mutant("detached_action", _("no gradient reaches the actor: its action was cut off the graph (.detach(), a "
               "numpy round trip, or actor(obs) under torch.no_grad()); pass actor(obs) to the critic as it is"),
               lambda actor, critic, obs: -critic(obs, actor(obs).detach()).mean(),
               holds=lambda have, want, cases: all(h["loss has a graph"] and not h["gradient reaches the actor"]
                                                   for h in have)),
        Mutant("no_graph", _("your loss has no graph, so it cannot train the actor: compute it with torch "
               "operations from actor(obs) to the result (no .detach(), numpy or torch.tensor(...) on the way)"),
               lambda actor, critic, obs: torch.tensor(-critic(obs, actor(obs)).sum().item()),
               holds=lambda have, want, cases: any(not h["loss has a graph"] for h in have)),
        Mutant("critic_frozen", _("you switched off requires_grad on the critic's parameters and left it off, so "
               "the critic can never be trained again; leave the critic as it is: the actor loss changes only "
               "what the actor's optimizer steps"), _freezes_critic,
               holds=lambda have, want, cases: not all(h["the critic can still be trained"] for h in have)),
        Mutant("minus_on_action", _("you negated the action, −Q(s, μ(s)) is not Q(s, −μ(s)): put the minus in "
               "front of the critic's value, −critic(obs, actor(obs)).mean()"),
               lambda actor, critic, obs: critic(obs, -actor(obs)).mean()),
        Mutant("max_not_mean", _("you took the largest Q of the batch; the loss averages over all states, "
               "−critic(obs, actor(obs)).mean()"), lambda actor, critic, obs: -critic(obs, actor(obs)).max()),
        Mutant("sum_not_mean", _("you summed over the batch; take the mean"),
               lambda actor, critic, obs: -critic(obs, actor(obs)).sum(),
               holds=lambda have, want, cases: all(ratio_everywhere(h["loss"], w["loss"], len(c["obs"]))
                                                   for h, w, c in zip(have, want, cases))),
    ]


ACTOR_LOSS = Exercise(
    name="actor_loss", reference="rlcourse.ddpg:actor_loss",
    cases=_actor_loss_cases, observe=_observe_actor_loss, mutants=_actor_loss_mutants,
    exception_hints=((("mat1 and mat2",), N_("a network got an input of the wrong width: the actor takes obs, the "
                                             "critic takes (obs, action)")),
                     (("dimension out of range",), N_("the critic already returns (batch,): there is no dimension 1 "
                                                      "to squeeze or index; average it as it is, .mean()")),
                     (("backward through the graph a second time",),
                      N_("do not call backward() inside the function: return the loss, and the training loop "
                         "calls backward() on it once"))))


def _scale_action_cases() -> list[dict]:
    import torch

    return [dict(raw_action=np.array([[-1.0], [-0.5], [0.0], [1.0]], dtype=np.float32),
                 low=np.array([-2.0], dtype=np.float32), high=np.array([2.0], dtype=np.float32)),
            dict(raw_action=np.array([[-1.0, 1.0], [0.5, -0.25], [1.0, 0.0]], dtype=np.float32),
                 low=np.array([0.0, -1.0], dtype=np.float32), high=np.array([1.0, 3.0], dtype=np.float32)),
            dict(raw_action=torch.tensor([[-1.0, 0.5], [0.0, 1.0]]), low=torch.tensor([0.0, -1.0]),
                 high=torch.tensor([1.0, 3.0])),
            # the actor's output: a tensor with a graph, which the scaled action must keep
            dict(raw_action=torch.tensor([[-1.0, 0.25], [1.0, -0.5]], requires_grad=True),
                 low=torch.tensor([-2.0, 0.0]), high=torch.tensor([2.0, 1.0]))]


def _observe_scale_action(fn: Callable, case: dict) -> dict:
    output, _inputs = call(fn, case)
    return {N_("output"): output, N_("keeps the gradient of a tensor input"): bool(
        not is_tensor(case["raw_action"]) or not case["raw_action"].requires_grad
        or (is_tensor(output) and output.requires_grad))}


def _ends_map_to(low_end: Callable, high_end: Callable) -> Callable:
    """A property: raw −1 lands on ``low_end(low, high)`` and +1 on ``high_end(low, high)``, in every case."""
    def holds(have, want, cases):
        for h, c in zip(have, cases):
            raw, out = as_array(c["raw_action"]), as_array(h["output"])
            if out.shape != raw.shape:
                return False
            low, high = np.broadcast_to(as_array(c["low"]), raw.shape), np.broadcast_to(as_array(c["high"]), raw.shape)
            for end, where in ((low_end(low, high), raw == -1.0), (high_end(low, high), raw == 1.0)):
                if not np.allclose(out[where], end[where], atol=1e-5):
                    return False
        return True
    return holds


def _scale_action_mutants() -> list[Mutant]:
    return [
        Mutant("unscaled", _("your action never leaves [−1, 1]: scale it to the env's bounds, "
               "low + (raw_action + 1) · (high − low) / 2"), lambda raw_action, low, high: raw_action),
        Mutant("times_high", _("raw_action · high works only for bounds symmetric around 0; use "
               "low + (raw_action + 1) · (high − low) / 2"), lambda raw_action, low, high: raw_action * high),
        Mutant("clipped_not_scaled", _("clipping to [low, high] is not scaling: −1 must map to low and +1 to high"),
               lambda raw_action, low, high: raw_action.clip(low, high)),
        Mutant("width_plus", _("the width of the interval is high − low, not high + low"),
               lambda raw_action, low, high: low + (raw_action + 1) * (high + low) / 2),
        Mutant("first_bound_only", _("you used only the first dimension's bounds (low[0], high[0]); each action "
               "dimension has its own: use low and high whole, element by element"),
               lambda raw_action, low, high: low[0] + (raw_action + 1) * (high[0] - low[0]) / 2),
        Mutant("graph_lost", _("your scaled action lost the actor's graph (a numpy round trip, torch.tensor(...) or "
               ".detach()), so no gradient could reach the actor through it: use arithmetic on the tensor itself"),
               lambda raw_action, low, high: _detached_scale(raw_action, low, high),
               holds=lambda have, want, cases: not all(h["keeps the gradient of a tensor input"] for h in have)),
        Mutant("no_half", _("you forgot the / 2: (raw_action + 1) runs from 0 to 2, so halve (high − low)"),
               lambda raw_action, low, high: low + (raw_action + 1) * (high - low)),
        Mutant("no_offset", _("you forgot to add low: −1 must map to low, not to 0"),
               lambda raw_action, low, high: (raw_action + 1) * (high - low) / 2),
        Mutant("swapped_bounds", _("you swapped low and high: −1 must map to low and +1 to high"),
               lambda raw_action, low, high: high + (raw_action + 1) * (low - high) / 2,
               holds=_ends_map_to(lambda low, high: high, lambda low, high: low)),
        Mutant("centre_wrong", _("−1 and +1 land on low and high, but the points between do not: the map must be "
               "linear, low + (raw_action + 1) · (high − low) / 2"),
               lambda raw_action, low, high: low + (raw_action + 1) ** 2 * (high - low) / 4,
               holds=_ends_map_to(lambda low, high: low, lambda low, high: high)),
        Mutant("low_end_wrong", _("−1 does not land on low: a = low + (raw_action + 1) · (high − low) / 2 gives "
               "low at −1 and high at +1"), lambda raw_action, low, high: low + raw_action * (high - low) / 2,
               holds=lambda have, want, cases: not _low_end_right(have, cases)),
    ]


def _detached_scale(raw_action, low, high):
    raw = raw_action.detach() if is_tensor(raw_action) else raw_action
    return low + (raw + 1) * (high - low) / 2


def _low_end_right(have, cases) -> bool:
    for h, c in zip(have, cases):
        raw, out = as_array(c["raw_action"]), as_array(h["output"])
        if out.shape != raw.shape:
            return True
        low = np.broadcast_to(as_array(c["low"]), raw.shape)
        if not np.allclose(out[raw == -1.0], low[raw == -1.0], atol=1e-5):
            return False
    return True


SCALE_ACTION = Exercise(
    name="scale_action", reference="rlcourse.ddpg:scale_action",
    cases=_scale_action_cases, observe=_observe_scale_action, mutants=_scale_action_mutants,
    exception_hints=((("numpy() on tensor that requires grad", "can't call numpy"),
                      N_("scale_action must take the actor's tensor as it is (it has a graph): use arithmetic "
                         "only, no np.asarray, .numpy() or float()")),
                     (("only one element tensors", "only length-1 arrays", "only size-1 arrays", "only 0-dimensional arrays"),
                      N_("low and high hold one bound per action dimension: use them as arrays, element by "
                         "element, not as one number (float(low))"))))

check_critic_target = checker(
    CRITIC_TARGET, "critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma) -> (B,)")
check_actor_loss = checker(ACTOR_LOSS, "actor_loss(actor, critic, obs) -> scalar = −critic(obs, actor(obs)).mean()")
check_scale_action = checker(
    SCALE_ACTION, "scale_action(raw_action in [-1, 1], low, high) -> action in [low, high] (numpy or torch)")
