"""Checks of exercises/02_q_tables: ε-greedy, the Q-learning and the SARSA update (chapter 02).

References: ``rlcourse.tabular``. Each catalogue lists exact mutants first, then properties that
name a mistake however it is written (the update moved Q(s, a) the wrong way, only the terminated
transition is wrong, a different entry of the table was written, ...).
"""

from __future__ import annotations

from typing import Callable

import copy

import numpy as np

from rlcourse.i18n import N_, _

from .engine import Exercise, Mutant, Wrong, _MutatedInput, call, checker, fmt, kind, same

_EPSILON_CALLS = 2000  # calls per case; action frequencies are compared within ±0.05 (> 4.5 σ)


def _epsilon_cases() -> list[dict]:
    return [dict(q_values=np.array([1.0, 3.0, 2.0, 0.5]), epsilon=0.2, seed=1),
            dict(q_values=np.array([-1.0, 0.5, -2.0]), epsilon=0.5, seed=2),
            dict(q_values=np.array([0.0, -1.0, 1.5]), epsilon=0.1, seed=4),  # the last action is the best
            dict(q_values=np.array([2.0, 2.0, 0.0]), epsilon=0.0, seed=3)]


def _observe_epsilon_greedy(fn: Callable, case: dict) -> dict:
    q_values, epsilon = case["q_values"], case["epsilon"]
    n_actions = len(q_values)
    rng = np.random.default_rng(case["seed"])
    state = copy.deepcopy(rng.bit_generator.state)
    counts = np.zeros(n_actions)
    given = q_values.copy()
    for _call in range(_EPSILON_CALLS):
        action = fn(given, epsilon, rng)
        if not same(given, q_values):
            raise _MutatedInput("q_values")
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
            raise Wrong(_("your function returned {kind} ({value}); an action is one int, e.g. "
                          "`int(np.argmax(q_values))`.").format(kind=kind(action), value=fmt(action)))
        if not 0 <= action < n_actions:
            raise Wrong(_("your function returned the action {action}, but there are {count} actions (0 to {last}): "
                          "rng.integers(n) and rng.choice(n) give 0 to n − 1, while rng.choice(q_values.shape) "
                          "picks from the tuple (n,) and so returns n itself.").format(
                              action=action, count=n_actions, last=n_actions - 1))
        counts[action] += 1

    def actions(seed: int) -> list[int]:
        generator = np.random.default_rng(seed)
        return [int(fn(q_values.copy(), epsilon, generator)) for _call in range(20)]

    return {N_("action frequencies"): counts / _EPSILON_CALLS,
            N_("same actions from the same seed"): actions(case["seed"] + 100) == actions(case["seed"] + 100),
            N_("draws from the given rng"): rng.bit_generator.state != state or epsilon == 0.0}


def _greedy_ties_random(q_values: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(q_values == q_values.max())
    return int(rng.choice(best))


def _frequencies(have: list[dict]) -> list[np.ndarray]:
    return [h["action frequencies"] for h in have]


def _greedy_share(have, cases) -> list[float]:
    """How often each case's greedy action (the unique argmax) was taken."""
    return [float(f[int(np.argmax(c["q_values"]))]) for f, c in zip(_frequencies(have), cases)]


def _rng_unused(have, want, cases) -> bool:
    return not all(h["same actions from the same seed"] and h["draws from the given rng"] for h in have)


def _an_action_never_taken(have, want, cases) -> bool:
    """An action that only exploring takes (a small share) is never taken."""
    return any(0.02 < w < 0.3 and h < 0.005 for hv, wv in zip(have, want)
               for h, w in zip(hv["action frequencies"], wv["action frequencies"]))


def _ties_not_random(have, want, cases) -> bool:
    # the last case is a tie between actions 0 and 1 with epsilon = 0: each must get about half
    ties = _frequencies(have)[-1]
    return bool(ties[:2].sum() > 0.95 and abs(ties[0] - ties[1]) > 0.2)


def _greedy_share_is(expected_share: Callable[[float, int], float]) -> Callable:
    """A property: in the untied cases, the greedy action's share is what this mistake gives."""
    def holds(have, want, cases):
        untied = [i for i, c in enumerate(cases) if (c["q_values"] == c["q_values"].max()).sum() == 1
                  and c["epsilon"] > 0]
        shares = _greedy_share(have, cases)
        return all(abs(shares[i] - expected_share(cases[i]["epsilon"], len(cases[i]["q_values"]))) < 0.05
                   for i in untied)
    return holds


def _epsilon_mutants() -> list[Mutant]:
    def argmin(q_values, epsilon, rng):
        if rng.random() < epsilon:
            return int(rng.integers(len(q_values)))
        return _greedy_ties_random(-q_values, rng)

    def never_explores(q_values, epsilon, rng):
        return _greedy_ties_random(q_values, rng)

    def never_exploits(q_values, epsilon, rng):
        return int(rng.integers(len(q_values)))

    def inverted(q_values, epsilon, rng):
        if rng.random() < 1 - epsilon:
            return int(rng.integers(len(q_values)))
        return _greedy_ties_random(q_values, rng)

    def first_of_ties(q_values, epsilon, rng):
        if rng.random() < epsilon:
            return int(rng.integers(len(q_values)))
        return int(np.argmax(q_values))

    def explores_without_greedy(q_values, epsilon, rng):
        greedy = _greedy_ties_random(q_values, rng)
        if rng.random() < epsilon:
            return int(rng.choice([a for a in range(len(q_values)) if a != greedy]))
        return greedy

    def global_random(q_values, epsilon, rng):
        if np.random.random() < epsilon:
            return int(np.random.randint(len(q_values)))
        best = np.flatnonzero(q_values == q_values.max())
        return int(best[np.random.randint(len(best))])

    def value_not_index(q_values, epsilon, rng):
        if rng.random() < epsilon:
            return int(rng.integers(len(q_values)))
        return int(rng.choice(q_values[q_values == q_values.max()]))

    def explores_excluding_first(q_values, epsilon, rng):
        if rng.random() < epsilon:
            return int(rng.integers(1, len(q_values)))
        return _greedy_ties_random(q_values, rng)

    def explores_excluding_last(q_values, epsilon, rng):
        if rng.random() < epsilon:
            return int(rng.integers(len(q_values) - 1))  # the classic off-by-one: high is exclusive
        return _greedy_ties_random(q_values, rng)

    return [
        Mutant("value_not_index", _("you chose among the best Q-values themselves, not among the actions that have "
               "them: an action is an index, rng.choice(np.flatnonzero(q_values == q_values.max()))"),
               value_not_index),
        Mutant("argmin", _("you pick the action with the smallest Q-value; greedy means argmax"), argmin),
        Mutant("never_explores", _("your agent never explores: with probability ε it must take a uniformly "
               "random action, drawn from the `rng` argument (a generator made inside the function gives the "
               "same draw on every call)"), never_explores, holds=_greedy_share_is(lambda eps, n: 1.0)),
        Mutant("never_exploits", _("your agent always acts at random: with probability 1 − ε it must take "
               "the greedy action argmax Q(s, ·)"), never_exploits, holds=_greedy_share_is(lambda eps, n: 1 / n)),
        Mutant("global_random", _("your function does not draw from the `rng` it is given (it uses np.random, the "
               "random module or a generator of its own), so the same seed does not give the same run: use "
               "rng.random() and rng.integers()"), global_random, holds=_rng_unused),
        Mutant("inverted_epsilon", _("you explore with probability 1 − ε instead of ε: explore when "
               "`rng.random() < epsilon`"), inverted,
               holds=_greedy_share_is(lambda eps, n: eps + (1 - eps) / n)),
        Mutant("explores_without_greedy", _("when exploring you leave out the greedy action: the random action "
               "is uniform over ALL actions"), explores_without_greedy,
               holds=_greedy_share_is(lambda eps, n: 1 - eps)),
        Mutant("explores_off_by_one", _("your random action never picks the last action: rng.integers(n) already "
               "excludes n, so draw rng.integers(len(q_values))"), explores_excluding_last,
               holds=lambda have, want, cases: all(h["action frequencies"][-1] < 0.005 < w["action frequencies"][-1]
                                                   for h, w in zip(have[:2], want[:2]))),
        Mutant("an_action_never_explored", _("one action is never taken, though exploring must pick every action "
               "with the same chance: draw the random action with rng.integers(len(q_values)), 0 to n − 1"),
               explores_excluding_first, holds=_an_action_never_taken),
        Mutant("first_of_ties", _("ties always go to the same action (np.argmax takes the first), so a "
               "zero-initialised table never tries the others: break ties at random with rng"), first_of_ties,
               holds=_ties_not_random),
    ]


EPSILON_GREEDY = Exercise(
    name="epsilon_greedy", reference="rlcourse.tabular:epsilon_greedy",
    cases=_epsilon_cases, observe=_observe_epsilon_greedy, mutants=_epsilon_mutants, tolerance=0.05)


def _q_table() -> np.ndarray:
    return np.array([[0.0, 1.0], [2.0, -1.0], [-0.5, 4.0], [3.0, 0.5]])  # (n_states=4, n_actions=2)


def _q_learning_cases() -> list[dict]:
    common = dict(alpha=0.5, gamma=0.9)
    return [dict(q_table=_q_table(), obs=0, action=1, reward=1.0, next_obs=2, terminated=False, **common),
            dict(q_table=_q_table(), obs=1, action=0, reward=-1.0, next_obs=3, terminated=True, **common),
            dict(q_table=_q_table(), obs=3, action=1, reward=0.5, next_obs=1, terminated=False, **common),
            dict(q_table=_q_table(), obs=2, action=1, reward=2.0, next_obs=2, terminated=False, alpha=0.1,
                 gamma=0.5)]


def _observe_tabular(fn: Callable, case: dict) -> dict:
    td_error, inputs = call(fn, case, mutable=("q_table",))
    return {N_("returned td_error"): td_error, N_("q_table after the update"): inputs["q_table"]}


def _tabular_update(next_value: Callable, *, use_terminated: bool = True, use_alpha: bool = True,
                    use_gamma: bool = True, td_error_sign: float = 1.0, step_sign: float = 1.0,
                    writes: bool = True, returns: bool = True, whole_row: bool = False,
                    mask_inverted: bool = False, swap_alpha_gamma: bool = False, discount_reward: bool = False,
                    mask_tilde: bool = False):
    """A tabular TD update built from parts, each switch one common mistake."""

    def update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma, next_action=None):
        if swap_alpha_gamma:
            alpha, gamma = gamma, alpha
        bootstrap = next_value(q_table, obs, action, next_obs, next_action)
        if mask_tilde:
            bootstrap = ~terminated * bootstrap  # ~ on a bool: ~False is -1, ~True is -2
        elif use_terminated and (not terminated if mask_inverted else terminated):
            bootstrap = 0.0
        td_target = (gamma if discount_reward else 1.0) * reward + (gamma if use_gamma else 1.0) * bootstrap
        td_error = td_error_sign * (td_target - q_table[obs, action])
        if writes:
            step = step_sign * (alpha if use_alpha else 1.0) * (td_target - q_table[obs, action])
            if whole_row:
                q_table[obs] = q_table[obs] + step
            else:
                q_table[obs, action] = q_table[obs, action] + step
        return float(td_error) if returns else None

    return update


def _max_next(q_table, obs, action, next_obs, next_action):
    return q_table[next_obs].max()


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _moves(runs: list[dict], cases: list[dict]) -> list[float]:
    """How far each case's update moved Q(obs, action)."""
    return [float(r["q_table after the update"][c["obs"], c["action"]] - c["q_table"][c["obs"], c["action"]])
            for r, c in zip(runs, cases)]


def _other_entries_changed(have, want, cases) -> bool:
    for h, c in zip(have, cases):
        changed = np.argwhere(~np.isclose(np.asarray(h["q_table after the update"], dtype=float), c["q_table"]))
        if any(tuple(p) != (c["obs"], c["action"]) for p in changed):
            return True
    return False


def _moved_wrong_way(have, want, cases) -> bool:
    return any(w * h < 0 for w, h in zip(_moves(want, cases), _moves(have, cases)))


def _table_unchanged(have, want, cases) -> bool:
    return all(np.allclose(np.asarray(h["q_table after the update"], dtype=float), c["q_table"])
               for h, c in zip(have, cases))


def _returned(relation: Callable[[float, dict, dict, dict], float]) -> Callable:
    """A property: the returned number is ``relation(expected td_error, case, have, want)`` in every case."""
    def holds(have, want, cases):
        values = [_number(h["returned td_error"]) for h in have]
        return all(v is not None and abs(v - relation(float(w["returned td_error"]), c, h, w)) < 1e-6
                   for v, h, w, c in zip(values, have, want, cases))
    return holds


def _only_terminated_wrong(have, want, cases) -> bool:
    def right(h, w):
        return (_number(h["returned td_error"]) is not None
                and abs(_number(h["returned td_error"]) - w["returned td_error"]) < 1e-6
                and np.allclose(np.asarray(h["q_table after the update"], dtype=float), w["q_table after the update"]))
    wrong = [not right(h, w) for h, w in zip(have, want)]
    terminal = [bool(c["terminated"]) for c in cases]
    return any(wrong) and wrong == terminal


def _step_ratio(ratio: Callable[[dict], float]) -> Callable:
    """A property: every update moved Q(s, a) ``ratio(case)`` times as far as it should."""
    def holds(have, want, cases):
        return all(abs(h - ratio(c) * w) < 1e-6 for h, w, c in zip(_moves(have, cases), _moves(want, cases), cases))
    return holds


def _update_mutants(next_value: Callable, signature: Callable, wrong_next: list[Mutant]) -> list[Mutant]:
    """The catalogue both updates share; ``wrong_next`` lists the wrong next-state values of each."""
    def mutant(**switches):
        return signature(_tabular_update(switches.pop("next_value", next_value), **switches))

    return wrong_next + [
        Mutant("tilde_mask", _("~ on a Python bool is a bitwise not (~False is −1, ~True is −2), not a logical one: "
               "write the mask as (1 − terminated), or `0.0 if terminated else ...`"), mutant(mask_tilde=True)),
        Mutant("bootstraps_terminal", _("only the terminated transition goes wrong: when terminated, there is "
               "no future, so td_target = r (no bootstrap)"), mutant(use_terminated=False),
               holds=_only_terminated_wrong),
        Mutant("other_entry_written", _("your update changed another entry than q_table[obs, action]: the table "
               "is indexed q_table[state, action], rows are states and columns actions"),
               mutant(whole_row=True), holds=_other_entries_changed),
        Mutant("no_write", _("your function never writes the new value into q_table: update it in place, "
               "q_table[obs, action] = ..."), mutant(writes=False), holds=_table_unchanged),
        Mutant("moved_away", _("your update moves Q(s, a) away from the target: Q(s, a) ← Q(s, a) + α · "
               "(td_target − Q(s, a)), with td_target − Q(s, a) in that order"), mutant(step_sign=-1.0),
               holds=_moved_wrong_way),
        Mutant("no_return", _("your function does not return the TD error: end with `return td_error`"),
               mutant(returns=False), holds=lambda have, want, cases: all(h["returned td_error"] is None for h in have)),
        Mutant("td_error_sign", _("your TD error has the wrong sign: td_error = td_target − Q(s, a)"),
               mutant(td_error_sign=-1.0), holds=_returned(lambda e, c, h, w: -e)),
        Mutant("td_error_after_update", _("you returned the TD error measured after the update; compute "
               "td_error = td_target − Q(s, a) before changing q_table, and return that"),
               lambda **case: _after_update(next_value, signature, **case),
               holds=_returned(lambda e, c, h, w: (1 - c["alpha"]) * e)),
        Mutant("returned_new_value", _("you returned the new Q(s, a); return the TD error, td_target − Q(s, a)"),
               lambda **case: _returns_new_value(next_value, signature, **case),
               holds=_returned(lambda e, c, h, w: c["q_table"][c["obs"], c["action"]] + c["alpha"] * e)),
        Mutant("returned_target", _("you returned the TD target; return the TD error, td_target − Q(s, a)"),
               lambda **case: _returns_target(next_value, signature, **case),
               holds=_returned(lambda e, c, h, w: e + c["q_table"][c["obs"], c["action"]])),
        Mutant("no_alpha", _("you replaced Q(s, a) by the target; move it only a step α of the way: "
               "Q(s, a) + α · td_error"), mutant(use_alpha=False),
               holds=_step_ratio(lambda c: 1 / c["alpha"])),
        Mutant("no_gamma", _("your target does not discount: multiply the next state's value by γ"),
               mutant(use_gamma=False)),
        Mutant("mask_inverted", _("your terminal mask is inverted: a transition bootstraps only when terminated; "
               "it must be the other way round, td_target = r + γ · (1 − terminated) · next value"),
               mutant(mask_inverted=True)),
        Mutant("alpha_gamma_swapped", _("you swapped α and γ: γ discounts the next state's value, α is the step "
               "size of the update"), mutant(swap_alpha_gamma=True)),
        Mutant("gamma_on_reward", _("you discounted the reward too: td_target = r + γ · next value, the reward "
               "itself is not multiplied by γ"), mutant(discount_reward=True)),
    ]


def _after_update(next_value, signature, **case):
    q_table = case["q_table"]
    signature(_tabular_update(next_value, returns=False))(**case)
    bootstrap = 0.0 if case["terminated"] else next_value(q_table, case["obs"], case["action"], case["next_obs"],
                                                          case.get("next_action"))
    return float(case["reward"] + case["gamma"] * bootstrap - q_table[case["obs"], case["action"]])


def _returns_new_value(next_value, signature, **case):
    signature(_tabular_update(next_value))(**case)
    return float(case["q_table"][case["obs"], case["action"]])


def _returns_target(next_value, signature, **case):
    before = float(case["q_table"][case["obs"], case["action"]])
    return signature(_tabular_update(next_value))(**case) + before


def _q_learning_signature(update):
    return lambda q_table, obs, action, reward, next_obs, terminated, alpha, gamma: update(
        q_table, obs, action, reward, next_obs, terminated, alpha, gamma)


def _q_learning_mutants() -> list[Mutant]:
    def mutant(next_value):
        return _q_learning_signature(_tabular_update(next_value))

    return _update_mutants(_max_next, _q_learning_signature, [
        Mutant("current_state_max", _("your target uses max Q(s, ·) of the current state; it must use the next "
               "state: max_a' Q(next_obs, a')"), mutant(lambda q, s, a, s2, a2: q[s].max())),
        Mutant("same_action_next", _("your target uses Q(next_obs, action), the value of the same action in the "
               "next state; Q-learning takes the max over all next actions"), mutant(lambda q, s, a, s2, a2: q[s2, a])),
        Mutant("next_row_argmax", _("you used argmax (the index of the best next action) where the target needs "
               "max (its value)"), mutant(lambda q, s, a, s2, a2: float(q[s2].argmax()))),
        Mutant("max_over_table", _("you took the max over the whole table (or a column); the next state's value "
               "is the max over its row: q_table[next_obs].max()"), mutant(lambda q, s, a, s2, a2: q.max())),
    ])


def _sarsa_cases() -> list[dict]:
    cases = _q_learning_cases()
    for case, next_action in zip(cases, [0, 1, 1, 0]):
        case["next_action"] = next_action
        case["terminated"] = case.pop("terminated")  # keep the argument order of the signature
        case["alpha"] = case.pop("alpha")
        case["gamma"] = case.pop("gamma")
    return cases


def _sarsa_signature(update):
    return lambda q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma: update(
        q_table, obs, action, reward, next_obs, terminated, alpha, gamma, next_action)


def _sarsa_mutants() -> list[Mutant]:
    def mutant(next_value):
        return _sarsa_signature(_tabular_update(next_value))

    return _update_mutants(lambda q, s, a, s2, a2: q[s2, a2], _sarsa_signature, [
        Mutant("q_learning_max", _("you used max_a' Q(next_obs, a'): that is Q-learning. SARSA uses the action "
               "really taken next: Q(next_obs, next_action)"), mutant(_max_next)),
        Mutant("same_action_next", _("your target uses Q(next_obs, action); SARSA uses the next action: "
               "Q(next_obs, next_action)"), mutant(lambda q, s, a, s2, a2: q[s2, a])),
        Mutant("current_state_next_action", _("your target uses Q(obs, next_action) of the current state; it "
               "must use the next state: Q(next_obs, next_action)"), mutant(lambda q, s, a, s2, a2: q[s, a2])),
        Mutant("indices_swapped", _("you indexed q_table[next_action, next_obs]; rows are states, columns "
               "actions: q_table[next_obs, next_action]"), mutant(lambda q, s, a, s2, a2: q[a2, s2])),
    ])


SARSA_UPDATE = Exercise(
    name="sarsa_update", reference="rlcourse.tabular:sarsa_update",
    cases=_sarsa_cases, observe=_observe_tabular, mutants=_sarsa_mutants, mutable=("q_table",),
    exception_hints=((("index",), N_("an index is out of range: the table is q_table[state, action], rows are "
                                     "states (obs, next_obs) and columns actions (action, next_action)")),))

Q_LEARNING_UPDATE = Exercise(
    name="q_learning_update", reference="rlcourse.tabular:q_learning_update",
    cases=_q_learning_cases, observe=_observe_tabular, mutants=_q_learning_mutants, mutable=("q_table",),
    exception_hints=SARSA_UPDATE.exception_hints)

check_epsilon_greedy = checker(EPSILON_GREEDY, "epsilon_greedy(q_values, epsilon, rng) -> int")
check_q_learning_update = checker(
    Q_LEARNING_UPDATE, "q_learning_update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma) -> td_error")
check_sarsa_update = checker(
    SARSA_UPDATE, "sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma) -> td_error")
