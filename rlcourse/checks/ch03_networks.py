"""Checks of exercises/03_from_tables_to_networks: a discretiser, one online Q-network update (chapter 03).

The package keeps neither (chapter 03 writes both inline to show why they fall short), so the
references live here, written as ``notebooks/03_from_tables_to_networks.ipynb`` writes them.
Properties name a mistake by which box index went wrong (beyond the edges, the last box), which way
the update moved Q(s, a), whether the parameters moved at all, and which single case went wrong
(the terminated one, the one with gradients left over from before).
"""

from __future__ import annotations

import copy
import warnings
from typing import Callable

import numpy as np

from rlcourse.i18n import N_, _

from .engine import Exercise, Mutant, Wrong, check_unchanged, checker, flat, fmt, is_tensor, kind


def discretise(obs: np.ndarray, low: np.ndarray, high: np.ndarray, bins: int) -> int:
    """The index of the grid box that holds ``obs``: box i_k = ⌊(obs_k − low_k) / (high_k − low_k) · bins⌋,
    clipped to [0, bins − 1], and the index i_0 · bins^(d−1) + ... + i_(d−1) (np.ravel_multi_index)."""
    box = np.clip(((obs - low) / (high - low) * bins).astype(int), 0, bins - 1)  # (d,)
    return int(np.ravel_multi_index(box, (bins,) * len(obs)))


_CARTPOLE_LOW = np.array([-2.4, -3.0, -0.21, -3.5])


def _discretise_cases() -> list[dict]:
    # no obs lies on a box edge, so any correct arithmetic (floor, digitize, division) agrees, except
    # in the last case: an obs exactly on inner edges, in numbers that binary floats hold exactly
    # (0.5 and 0.25 of a unit square cut in 4), belongs to the box above, as the floor says
    square = dict(low=np.array([-1.0, -1.0]), high=np.array([1.0, 1.0]), bins=3)
    return [dict(obs=np.array([0.1, -0.7]), **square),
            dict(obs=np.array([-0.99, 0.99]), **square),
            dict(obs=np.array([2.5, -3.0]), **square),  # beyond the edges: the outermost boxes
            dict(obs=np.array([0.55, 2.3]), low=np.array([0.0, 1.0]), high=np.array([1.0, 5.0]), bins=4),
            dict(obs=np.array([0.03, -0.2, 0.05, 0.4]), low=_CARTPOLE_LOW, high=-_CARTPOLE_LOW, bins=8),
            dict(obs=np.array([3.0, 5.0, -0.3, -4.0]), low=_CARTPOLE_LOW, high=-_CARTPOLE_LOW, bins=8),
            dict(obs=np.array([0.5, 0.25]), low=np.array([0.0, 0.0]), high=np.array([1.0, 1.0]), bins=4)]


def _observe_discretise(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)
    index = fn(**inputs)
    check_unchanged(case, inputs)
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise Wrong(_("your function returned {kind} ({value}); the box's index is one int, e.g. "
                      "`int(np.ravel_multi_index(box, (bins,) * len(obs)))`.").format(kind=kind(index), value=fmt(index)))
    return {N_("box index"): int(index)}


def _beyond_edges(case: dict) -> bool:
    return bool(((case["obs"] < case["low"]) | (case["obs"] > case["high"])).any())


def _only_beyond_edges_wrong(have, want, cases) -> bool:
    wrong = [h["box index"] != w["box index"] for h, w in zip(have, want)]
    return any(wrong) and all(_beyond_edges(c) for c, w in zip(cases, wrong) if w)


def _out_of_range(have, want, cases) -> bool:
    """Some index is outside the table, and only for observations beyond the edges."""
    outside = [not 0 <= h["box index"] < c["bins"] ** len(c["obs"]) for h, c in zip(have, cases)]
    return any(outside) and all(_beyond_edges(c) for c, out in zip(cases, outside) if out)


def _boxes(obs, low, high, bins, width_bins=None, rounding=np.floor):
    return np.clip(rounding((obs - low) / (high - low) * (width_bins or bins)).astype(int), 0, bins - 1)


def _discretise_mutants() -> list[Mutant]:
    def index(box, bins):
        return int(np.ravel_multi_index(box, (bins,) * len(box)))

    def clip_obs_only(obs, low, high, bins):
        box = (np.clip((obs - low) / (high - low), 0.0, 1.0) * bins).astype(int)
        return int(sum(int(b) * bins ** (len(box) - 1 - k) for k, b in enumerate(box)))

    def no_clip(obs, low, high, bins):
        box = np.floor((obs - low) / (high - low) * bins).astype(int)
        return int(sum(int(b) * bins ** (len(box) - 1 - k) for k, b in enumerate(box)))

    def edge_goes_below(obs, low, high, bins):
        # np.searchsorted's default side='left': a value exactly on an inner edge is counted below it
        edges = [np.linspace(lo, hi, bins + 1)[1:-1] for lo, hi in zip(low, high)]
        return index(np.array([np.searchsorted(e, x) for e, x in zip(edges, obs)]), bins)

    return [
        Mutant("edge_goes_below", _("a value exactly on a box edge belongs to the box above it, as "
               "⌊(obs − low) / (high − low) · bins⌋ says: yours puts it in the box below (np.searchsorted "
               "needs side='right', np.digitize counts it right)"), edge_goes_below),
        Mutant("last_box_overflows", _("obs at or beyond high lands in box `bins`, one past the last: clip the box "
               "index (not only obs) to [0, bins − 1]"), clip_obs_only),
        Mutant("wrong_base", _("your digits are read in another base than bins: the index is i_0 · bins^(d−1) + "
               "... + i_(d−1), np.ravel_multi_index(box, (bins,) * len(obs))"),
               lambda obs, low, high, bins: int(sum(int(b) * (bins + 1) ** (len(obs) - 1 - k)
                                                    for k, b in enumerate(_boxes(obs, low, high, bins))))),
        Mutant("floor_divided_first", _("(obs − low) // (high − low) is floor-divided before the multiplication by "
               "bins, so it is 0 inside the range: multiply first, then round down, "
               "((obs − low) / (high − low) · bins).astype(int)"),
               lambda obs, low, high, bins: index(np.clip(((obs - low) // (high - low) * bins).astype(int), 0, bins - 1),
                                                  bins)),
        Mutant("width_is_high", _("you divided by high, not by the width high − low of the interval"),
               lambda obs, low, high, bins: index(np.clip(((obs - low) / high * bins).astype(int), 0, bins - 1), bins)),
        Mutant("no_clip", _("values beyond the edges must fall into the outermost box: clip each box index to "
               "[0, bins − 1] (np.clip)"), no_clip, holds=_out_of_range),
        Mutant("edges_wrong", _("only the observations beyond the edges go wrong: they belong in the outermost "
               "box, so clip each box index with np.clip(box, 0, bins − 1) (a % bins wraps them round to the "
               "other side)"), lambda obs, low, high, bins: index(
                   np.floor((obs - low) / (high - low) * bins).astype(int) % bins, bins),
               holds=_only_beyond_edges_wrong),
        Mutant("digits_reversed", _("your box index reads the coordinates in the reverse order: the first "
               "coordinate is the most significant, i_0 · bins^(d−1) + ... + i_(d−1), as np.ravel_multi_index "
               "does"), lambda obs, low, high, bins: index(_boxes(obs, low, high, bins)[::-1], bins)),
        Mutant("rounded", _("you rounded to the nearest integer; a box is ⌊(obs − low) / (high − low) · bins⌋, "
               "rounded down (astype(int) or np.floor)"),
               lambda obs, low, high, bins: index(_boxes(obs, low, high, bins, rounding=np.round), bins)),
        Mutant("bins_minus_one", _("you cut each dimension into bins − 1 intervals; multiply by bins, so box "
               "indices run 0 to bins − 1 across [low, high]"),
               lambda obs, low, high, bins: index(_boxes(obs, low, high, bins, width_bins=bins - 1), bins)),
        Mutant("no_offset", _("you did not subtract low: the box of obs is ⌊(obs − low) / (high − low) · bins⌋"),
               lambda obs, low, high, bins: index(np.clip((obs / (high - low) * bins).astype(int), 0, bins - 1),
                                                  bins)),
        Mutant("sum_of_boxes", _("adding the box indices gives many boxes the same index; combine them as digits "
               "in base bins: np.ravel_multi_index(box, (bins,) * len(obs))"),
               lambda obs, low, high, bins: int(_boxes(obs, low, high, bins).sum())),
    ]


DISCRETISE = Exercise(
    name="discretise", reference=lambda: discretise, cases=_discretise_cases, observe=_observe_discretise,
    mutants=_discretise_mutants,
    exception_hints=((("invalid entry in coordinates array",), N_("a box index is outside [0, bins − 1]: values "
                                                                  "beyond the edges must be clipped into the outermost box")),))


# --- one online Q-network update ----------------------------------------------------------------

def online_q_update(q_network, optimizer, obs, action, reward, next_obs, terminated, gamma) -> float:
    """One gradient step of (y − Q(s, a))² with y = r + γ (1 − terminated) max_a' Q(s', a') from the same
    network, computed without gradient; returns the loss before the step as a float."""
    import torch
    import torch.nn.functional as F

    q_values = q_network(torch.as_tensor(obs))  # (n_actions,)
    with torch.no_grad():  # the target is a constant
        next_q_values = q_network(torch.as_tensor(next_obs))  # (n_actions,)
        td_target = reward + gamma * (1.0 - float(terminated)) * next_q_values.max()
    loss = F.mse_loss(q_values[action], td_target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


def _online_cases() -> list[dict]:
    import torch

    from rlcourse.networks import mlp

    cases = []
    for seed, terminated, stale in ((20, False, False), (21, True, False), (22, False, True)):
        torch.manual_seed(seed)
        q_network = mlp(4, 2, hidden=(8,))
        if stale:  # gradients left over from an earlier backward(): only zero_grad() clears them
            q_network(torch.ones(4)).sum().backward()
        generator = np.random.default_rng(seed)
        cases.append(dict(q_network=q_network, optimizer=torch.optim.SGD(q_network.parameters(), lr=0.05),
                          obs=generator.normal(size=4).astype(np.float32), action=int(seed % 2),
                          reward=1.0, next_obs=generator.normal(size=4).astype(np.float32),
                          terminated=terminated, gamma=0.9))
    return cases


def _q_of(q_network, obs, action) -> float:
    import torch

    with torch.no_grad():
        return float(q_network(torch.as_tensor(obs))[action])


def _true_target(case: dict) -> float:
    import torch

    with torch.no_grad():
        next_value = float(case["q_network"](torch.as_tensor(case["next_obs"])).max())
    return case["reward"] + case["gamma"] * (1.0 - float(case["terminated"])) * next_value


def _observe_online(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)  # one deepcopy: the optimizer keeps pointing at the copied network
    for copied, original in zip(inputs["q_network"].parameters(), case["q_network"].parameters()):
        if original.grad is not None:  # deepcopy leaves gradients behind; the exercise's case has some
            copied.grad = original.grad.clone()
    before = _q_of(inputs["q_network"], case["obs"], case["action"])
    with warnings.catch_warnings():  # a loss over all actions warns about broadcasting; its value tells
        warnings.simplefilter("ignore", UserWarning)
        loss = fn(**inputs)
    check_unchanged(case, inputs, mutable=("q_network", "optimizer"))
    after = _q_of(inputs["q_network"], case["obs"], case["action"])
    target = _true_target(case)
    return {N_("returned loss"): loss, N_("parameters after the update"): flat(inputs["q_network"]),
            "_moved": (before, after, target)}


def _wrong_cases(have, want) -> list[bool]:
    import torch

    return [not torch.allclose(h["parameters after the update"], w["parameters after the update"], atol=1e-6)
            for h, w in zip(have, want)]


def _only(which: Callable[[dict], bool]) -> Callable:
    """A property: exactly the cases ``which`` picks out are wrong."""
    def holds(have, want, cases):
        wrong = _wrong_cases(have, want)
        return any(wrong) and wrong == [which(c) for c in cases]
    return holds


def _moved_away(have, want, cases) -> bool:
    return any(abs(after - target) > abs(before - target) + 1e-7 for before, after, target in
               (h["_moved"] for h in have))


def _unchanged(have, want, cases) -> bool:
    return all(bool((h["parameters after the update"] == flat(c["q_network"])).all()) for h, c in zip(have, cases))


def _loss_after_step(q_network, optimizer, obs, action, reward, next_obs, terminated, gamma):
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        td_target = reward + gamma * (1.0 - float(terminated)) * q_network(torch.as_tensor(next_obs)).max()
    online_q_update(q_network, optimizer, obs, action, reward, next_obs, terminated, gamma)
    with torch.no_grad():
        return F.mse_loss(q_network(torch.as_tensor(obs))[action], td_target).item()


def _online_mutants() -> list[Mutant]:
    import torch
    import torch.nn.functional as F

    def update(target_from=lambda q_network, obs, next_obs: q_network(torch.as_tensor(next_obs)),
               mask=True, no_grad=True, discount=True, sign=1.0, loss_fn=F.mse_loss, zero_grad=True, step=True,
               pred=lambda q_values, action: q_values[action], returns=lambda loss: loss.item()):
        def online_q_update(q_network, optimizer, obs, action, reward, next_obs, terminated, gamma):
            q_values = q_network(torch.as_tensor(obs))
            with torch.set_grad_enabled(not no_grad):
                next_q_values = target_from(q_network, obs, next_obs)
                td_target = reward + (gamma if discount else 1.0) * (
                    (1.0 - float(terminated)) if mask else 1.0) * next_q_values.max()
            loss = sign * loss_fn(pred(q_values, action), td_target)
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            if step:
                optimizer.step()
            return returns(loss)
        return online_q_update

    return [
        Mutant("returned_tensor", _("return the loss as a Python float, loss.item(), as the exercise asks"),
               update(returns=lambda loss: loss),
               holds=lambda have, want, cases: any(is_tensor(h["returned loss"]) for h in have)),
        Mutant("no_step", _("the network's parameters did not change: after loss.backward(), call "
               "optimizer.step() (and zero_grad() before backward, not between backward and step)"),
               update(step=False), holds=_unchanged),
        Mutant("bootstraps_terminal", _("only the terminated transition goes wrong: when terminated, there is no "
               "next state to bootstrap from, y = r"), update(mask=False), holds=_only(lambda c: c["terminated"])),
        Mutant("no_zero_grad", _("only the case where the network already held gradients goes wrong: call "
               "optimizer.zero_grad() before loss.backward(), or old gradients are added to the new ones"),
               update(zero_grad=False), holds=_only(lambda c: any(p.grad is not None
                                                                 for p in c["q_network"].parameters()))),
        Mutant("gradient_through_target", _("the TD target was computed with gradient, so the step also moves "
               "max Q(s′, ·) towards Q(s, a): compute it under torch.no_grad() (or .detach() it), it is a "
               "constant"), update(no_grad=False)),
        Mutant("target_from_obs", _("your target uses max Q(s, ·) of the current state obs; it must use the next "
               "state: max_a' Q(next_obs, a')"),
               update(target_from=lambda q_network, obs, next_obs: q_network(torch.as_tensor(obs)))),
        Mutant("max_not_taken", _("your prediction is max_a Q(s, a); the loss needs the Q-value of the action "
               "taken, q_values[action]"), update(pred=lambda q_values, action: q_values.max())),
        Mutant("loss_after_step", _("you returned the loss recomputed after the step; return the loss the step "
               "was taken on, loss.item() of the loss before optimizer.step()"), _loss_after_step),
        Mutant("all_actions", _("your loss pulls the Q-values of ALL actions towards the target; only the action "
               "taken has one: q_values[action]"), update(pred=lambda q_values, action: q_values)),
        Mutant("huber", _("you used the Huber loss; this exercise (like chapter 03) uses the squared error, "
               "F.mse_loss"), update(loss_fn=F.smooth_l1_loss)),
        Mutant("no_gamma", _("your target does not discount: multiply the next state's value by γ"),
               update(discount=False)),
        Mutant("moved_away", _("your update moves Q(s, a) away from the TD target: minimise the squared error "
               "(y − Q(s, a))² with the optimizer, do not maximise it"), update(sign=-1.0), holds=_moved_away),
    ]


ONLINE_Q_UPDATE = Exercise(
    name="online_q_update", reference=lambda: online_q_update, cases=_online_cases, observe=_observe_online,
    mutants=_online_mutants, mutable=("q_network", "optimizer"),
    exception_hints=((("mat1 and mat2", "expected scalar type", "dtype"),
                      N_("the network takes a float32 tensor of the 4 numbers: torch.as_tensor(obs)")),
                     (("0-d", "dimension specified as 0", "invalid index"),
                      N_("obs is one state, shape (4,), so q_network(obs) has shape (n_actions,): pick the "
                         "action's value with q_values[action]"))))

check_discretise = checker(DISCRETISE, "discretise(obs, low, high, bins) -> int, the index of obs's grid box")
check_online_q_update = checker(
    ONLINE_Q_UPDATE, "online_q_update(q_network, optimizer, obs, action, reward, next_obs, terminated, gamma) -> float")
