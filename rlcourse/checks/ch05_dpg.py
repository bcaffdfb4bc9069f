"""Checks of exercises/05_deterministic_policy_gradient: the critic's slope and the DPG by the chain rule.

The two factors of chapter 05's deterministic policy gradient, each its own exercise:
``critic_slope`` (∂Q/∂a at the given actions) and ``dpg_gradient`` (the actor loss's gradient from
that slope alone, a vector-Jacobian product through the actor). The references are written here
from ``torch.autograd``; ``dpg_gradient``'s is checked against autograd of
``rlcourse.ddpg.actor_loss`` in the tests. Properties name a mistake by how the learner's result
relates to the right one: its sign, a factor of the batch size, the shape of the wrong input.
"""

from __future__ import annotations

import copy
from typing import Callable

from rlcourse.i18n import N_, _

from .engine import Exercise, Mutant, Wrong, check_unchanged, checker, is_tensor, kind, ratio_everywhere
from .fixtures import critic


def critic_slope(critic, obs, action):
    """∂Q(s_i, a)/∂a at a = action_i, for every row i: shape (batch, action_dim), like action."""
    import torch

    action = action.detach().requires_grad_(True)  # a leaf of our own: the slope is taken with respect to it
    q_values = critic(obs, action)  # (batch,)
    # each Q(s_i, a_i) depends on its own row only, so the gradient of the sum holds every row's slope
    return torch.autograd.grad(q_values.sum(), action)[0]


def dpg_gradient(actor, obs, dq_da):
    """∇_θ L for L = −(1/B) Σ_i Q(s_i, μ_θ(s_i)), from the critic's slope dq_da (batch, action_dim):
    the vector-Jacobian product Σ_i (−dq_da_i / B) · ∂μ_θ(s_i)/∂θ, one tensor per actor parameter."""
    import torch

    action = actor(obs)  # (batch, action_dim)
    return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=-dq_da / len(obs)))


def _slope_cases() -> list[dict]:
    import torch

    cases = []
    for seed, batch_size in ((30, 3), (31, 16)):
        generator = torch.Generator().manual_seed(seed)
        cases.append(dict(critic=critic(seed), obs=torch.randn(batch_size, 3, generator=generator),
                          action=torch.rand(batch_size, 1, generator=generator) * 4 - 2))
    return cases


def _observe_slope(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)
    output = fn(**inputs)
    check_unchanged(case, inputs)
    return {N_("output"): output,
            N_("leaves the critic's .grad alone"): all(p.grad is None for p in inputs["critic"].parameters())}


def _ratio(ratio: Callable[[dict], float]) -> Callable:
    return lambda have, want, cases: all(ratio_everywhere(h["output"], w["output"], ratio(c), tolerance=1e-4)
                                         for h, w, c in zip(have, want, cases))


def _shape_is(shape: Callable[[dict], tuple]) -> Callable:
    return lambda have, want, cases: any(is_tensor(h["output"]) and tuple(h["output"].shape) == shape(c)
                                         for h, c in zip(have, cases))


def _slope_by_backward(critic, obs, action):
    action = action.detach().requires_grad_(True)
    critic(obs, action).sum().backward()
    return action.grad


def _slope_mutants() -> list[Mutant]:
    import torch

    def slope(reduce=lambda q: q.sum(), wrt_obs=False, sign=1.0):
        def critic_slope(critic, obs, action):
            obs = obs.detach().requires_grad_(wrt_obs)
            action = action.detach().requires_grad_(True)
            q_values = critic(obs, action)
            return sign * torch.autograd.grad(reduce(q_values), obs if wrt_obs else action)[0]
        return critic_slope

    return [
        Mutant("wrt_obs", _("you took the slope with respect to obs; the DPG needs ∂Q/∂a, the slope along the "
               "action: differentiate with respect to action, shape (batch, action_dim)"), slope(wrt_obs=True),
               holds=_shape_is(lambda c: tuple(c["obs"].shape))),
        Mutant("squeezed", _("your slope has shape (batch,); keep the shape of action, (batch, action_dim), so "
               "that it can weigh the actor's Jacobian row by row"),
               lambda critic, obs, action: slope()(critic, obs, action).squeeze(1),
               holds=_shape_is(lambda c: (len(c["obs"]),))),
        Mutant("divided_by_batch", _("your slopes are B times too small: q.mean() divides every row's slope by "
               "the batch size; differentiate q.sum(), since each Q(s_i, a_i) depends on its own action only"),
               slope(reduce=lambda q: q.mean()), holds=_ratio(lambda c: 1 / len(c["obs"]))),
        Mutant("critic_grad_filled", _("your slope is right, but backward() also filled the critic's parameters' "
               ".grad, which the next critic update would add to its own: use torch.autograd.grad(q.sum(), action), "
               "which leaves .grad alone"), _slope_by_backward,
               holds=lambda have, want, cases: not all(h["leaves the critic's .grad alone"] for h in have)),
        Mutant("not_a_tensor", _("return the slope as a torch tensor (batch, action_dim), not a numpy array"),
               lambda critic, obs, action: slope()(critic, obs, action).numpy(),
               holds=lambda have, want, cases: any(not is_tensor(h["output"]) for h in have)),
        Mutant("wrong_sign", _("your slope has the wrong sign: ∂Q/∂a points uphill, towards larger Q; the minus "
               "sign belongs to the actor's loss, not to the slope"), slope(sign=-1.0), holds=_ratio(lambda c: -1.0)),
    ]


CRITIC_SLOPE = Exercise(
    name="critic_slope", reference=lambda: critic_slope, cases=_slope_cases, observe=_observe_slope,
    mutants=_slope_mutants, tolerance=1e-4,
    exception_hints=((("does not require grad", "does not have a grad_fn"),
                      N_("autograd can only differentiate with respect to a tensor that requires grad: make the "
                         "action one, action = action.detach().requires_grad_(True), before the critic sees it")),
                     (("implicitly created only for scalar",),
                      N_("autograd.grad (or backward) of a (batch,) tensor needs a scalar: differentiate q.sum()"))))


def _dpg_cases() -> list[dict]:
    import torch

    from rlcourse.networks import Actor, Critic

    cases = []
    for seed, batch_size, action_dim, stale in ((32, 4, 1, False), (33, 16, 1, False), (34, 8, 2, False),
                                                (35, 4, 1, True)):
        obs = torch.randn(batch_size, 3, generator=torch.Generator().manual_seed(seed))
        torch.manual_seed(seed)
        the_actor, the_critic = Actor(3, [-2.0] * action_dim, [2.0] * action_dim, hidden=(8,)), Critic(3, action_dim, hidden=(8,))
        if stale:  # gradients left in .grad by an earlier backward(): they are not part of this gradient
            the_actor(obs).sum().backward()
        with torch.no_grad():
            action = the_actor(obs)
        cases.append(dict(actor=the_actor, obs=obs, dq_da=critic_slope(the_critic, obs, action)))
    return cases


def _observe_dpg(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)
    for copied, original in zip(inputs["actor"].parameters(), case["actor"].parameters()):
        if original.grad is not None:  # deepcopy leaves gradients behind; the last case has some
            copied.grad = original.grad.clone()
    output = fn(**inputs)
    check_unchanged(case, inputs, mutable=("actor",))
    params = list(case["actor"].parameters())
    if not isinstance(output, (list, tuple)) or len(output) != len(params) or not all(map(is_tensor, output)):
        raise Wrong(_("your function returned {kind}; return one gradient tensor per actor parameter, a list of "
                      "{count} in the order of actor.parameters() (torch.autograd.grad returns that)").format(
                          kind=kind(output), count=len(params)))
    for number, (grad, param) in enumerate(zip(output, params)):
        if tuple(grad.shape) != tuple(param.shape):
            raise Wrong(_("gradient {number} has shape {shape}, but the parameter it belongs to has shape "
                          "{parameter_shape}: return the gradients in the order of actor.parameters()").format(
                              number=number, shape=tuple(grad.shape), parameter_shape=tuple(param.shape)))
    return {N_("gradient"): [grad.detach() for grad in output]}


def _dpg_ratio(ratio: Callable[[dict], float]) -> Callable:
    return lambda have, want, cases: all(ratio_everywhere(h["gradient"], w["gradient"], ratio(c), tolerance=1e-6)
                                         for h, w, c in zip(have, want, cases))


def _by_backward(actor, obs, dq_da):
    actor(obs).backward(-dq_da / len(obs))
    return [param.grad for param in actor.parameters()]


def _only_stale_case_wrong(have, want, cases) -> bool:
    import torch

    wrong = [not all(torch.allclose(h, w, atol=1e-6) for h, w in zip(hv["gradient"], wv["gradient"]))
             for hv, wv in zip(have, want)]
    stale = [any(p.grad is not None for p in c["actor"].parameters()) for c in cases]
    return any(wrong) and wrong == stale


def _dpg_mutants() -> list[Mutant]:
    import torch

    def vjp(weights):
        def dpg_gradient(actor, obs, dq_da):
            action = actor(obs)
            return list(torch.autograd.grad(action, list(actor.parameters()), grad_outputs=weights(dq_da, obs)))
        return dpg_gradient

    return [
        Mutant("wrong_sign", _("your gradient has the wrong sign: it is the gradient of +Q; the actor's loss is −Q "
               "averaged, so the weights of the product are −dq_da / B"), vjp(lambda d, obs: d / len(obs)),
               holds=_dpg_ratio(lambda c: -1.0)),
        Mutant("summed_not_averaged", _("your gradient is B times too large: the loss averages over the batch, so "
               "divide the weights by B, grad_outputs = −dq_da / len(obs)"), vjp(lambda d, obs: -d),
               holds=_dpg_ratio(lambda c: len(c["obs"]))),
        Mutant("sum_and_sign", _("your gradient is −B times the right one: the weights of the product are "
               "−dq_da / B (a minus sign, and the mean over the batch)"), vjp(lambda d, obs: d),
               holds=_dpg_ratio(lambda c: -len(c["obs"]))),
        Mutant("divided_by_numel", _("you divided by the number of entries of dq_da (batch × action_dim); the loss "
               "averages over the batch only: divide by B = len(obs)"),
               vjp(lambda d, obs: -d / d.numel())),
        Mutant("stale_grad_added", _("backward() adds into the parameters' .grad, which already held a gradient, so "
               "your result includes it: use torch.autograd.grad, which returns the gradient and leaves .grad alone"),
               _by_backward, holds=lambda have, want, cases: _only_stale_case_wrong(have, want, cases)),
        Mutant("slope_ignored", _("your gradient does not use the critic's slope dq_da: it is what tells each "
               "state's action which way is uphill; pass −dq_da / B as grad_outputs"),
               vjp(lambda d, obs: -torch.ones_like(d) / len(obs))),
        Mutant("slope_averaged_first", _("you averaged the slopes over the batch before the product; each state's "
               "∂μ(s_i)/∂θ must be weighed by its own slope, grad_outputs = −dq_da / B"),
               vjp(lambda d, obs: -d.mean() * torch.ones_like(d) / len(obs))),
    ]


DPG_GRADIENT = Exercise(
    name="dpg_gradient", reference=lambda: dpg_gradient, cases=_dpg_cases, observe=_observe_dpg,
    mutants=_dpg_mutants, tolerance=1e-5, mutable=("actor",),
    exception_hints=((("implicitly created only for scalar",),
                      N_("actor(obs) has shape (batch, action_dim), not a scalar: give the vector of the "
                         "vector-Jacobian product as grad_outputs=-dq_da / len(obs)")),
                     (("mismatch in shape", "grad_outputs"),
                      N_("grad_outputs must have the shape of actor(obs), (batch, action_dim), like dq_da")),
                     (("does not require grad", "does not have a grad_fn"),
                      N_("differentiate actor(obs) itself, with its graph (no torch.no_grad(), no .detach())"))))

check_critic_slope = checker(CRITIC_SLOPE, "critic_slope(critic, obs, action) -> dq_da (batch, action_dim)")
check_dpg_gradient = checker(
    DPG_GRADIENT, "dpg_gradient(actor, obs, dq_da) -> one gradient tensor per actor parameter")
