"""Automatic feedback for the exercises (``exercises/``): one check per exercise, naming the mistake.

    >>> from rlcourse.checks import check_q_learning_update
    >>> result = check_q_learning_update(my_q_learning_update)   # prints a verdict
    >>> result.passed
    True

A check runs the learner's function and the package's reference on the same fixed, seeded inputs.
It checks the kind of output first (type, shape, dtype), then the values. When they differ it
compares the learner's outputs with a catalogue of common wrong answers, *mutants* of the
reference, and the first mutant that behaves exactly like the learner's code names the mistake
("your target bootstraps through a terminated transition"). One small failing example is shown.

The learner's code cannot break a workshop: each check runs in a forked child process with a
deadline (an infinite loop gets a timeout verdict and the kernel stays alive), random state is
seeded before each check, an exception gets a short traceback and a hint, ``NotImplementedError``
means "not implemented yet", and a function that changes its inputs in place is told so. On a
platform without ``fork`` (Windows) the check runs in a thread: the verdict still comes on time,
but a runaway loop keeps running in the background until the kernel is restarted.

The references are the package's own functions (``rlcourse.tabular``, ``rlcourse.replay``,
``rlcourse.networks``, ``rlcourse.dqn``, ``rlcourse.ddpg``); nothing here is a second copy.
"""

from __future__ import annotations

import copy
import io
import linecache
import multiprocessing
import random
import sys
import threading
import traceback
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

#: seconds a check may take before it is stopped (its verdict comes within this plus ~1 s)
DEFAULT_TIMEOUT = 10.0
#: the seed set (``random``, ``numpy``, ``torch``) before every check
CHECK_SEED = 0


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check.

    Attributes:
        exercise: which exercise was checked, e.g. ``"td_target"``.
        passed: ``True`` when the function behaves like the reference on every test input.
        message: the verdict as printed.
        mistake: what went wrong, as a short key: a mutant's key (e.g. ``"bootstraps_terminal"``),
            or ``"not_implemented"``, ``"timeout"``, ``"exception"``, ``"mutates_input"``,
            ``"crashed"``, ``"kind"`` (wrong type, shape or dtype), ``"values"``; ``None`` if passed.
    """

    exercise: str
    passed: bool
    message: str
    mistake: str | None = None

    def _ipython_display_(self) -> None:
        """The check already printed its verdict; showing the result again would repeat it."""


@dataclass(frozen=True)
class Mutant:
    """A common wrong answer: a function that behaves like that mistake, and what to tell the learner."""

    key: str
    hint: str
    fn: Callable


@dataclass(frozen=True)
class Exercise:
    """What a check needs to know about one exercise.

    Attributes:
        name: the exercise (and the function's) name.
        reference: returns the package's reference implementation (imported lazily).
        cases: returns fresh, seeded test inputs, one dict of keyword arguments per case,
            the smallest (the one shown in a failure) first.
        observe: runs a function on one case and returns what is compared, by name.
        mutants: returns the catalogue of common wrong answers.
        tolerance: absolute and relative tolerance of a value comparison.
        mutable: arguments the function is meant to change in place (others must stay as they were).
    """

    name: str
    reference: Callable[[], Callable]
    cases: Callable[[], list[dict]]
    observe: Callable[[Callable, dict], dict]
    mutants: Callable[[], list[Mutant]]
    tolerance: float = 1e-5
    mutable: tuple[str, ...] = ()


class Wrong(Exception):
    """Raised by an ``observe`` function when the output is structurally wrong (told as is)."""


class _MutatedInput(Exception):
    pass


# --- running a check safely ---------------------------------------------------------------------

def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)


def _child(exercise: Exercise, fn: Callable, conn) -> None:
    """The forked child: run the whole check and send back its verdict."""
    sys.stdout = sys.stderr = io.StringIO()  # the learner's prints must not reach the kernel's sockets
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(1)  # a thread pool inherited through fork may not be usable
    try:
        conn.send(_diagnose(exercise, fn, learner_done=lambda: conn.send(_LEARNER_DONE)))
    except BaseException as error:  # noqa: BLE001 - whatever happens, the parent gets a verdict
        conn.send((False, f"the checker itself failed ({type(error).__name__}: {error}); "
                          "please tell your instructor", "crashed"))
    finally:
        conn.close()


#: sent by the child once the learner's code has run: the deadline covers only that part
_LEARNER_DONE = "learner code finished"
#: seconds left for comparing with the mutants afterwards (our code, bounded; generous under load)
_DIAGNOSIS_TIMEOUT = 60.0


def _run_forked(exercise: Exercise, fn: Callable, timeout: float) -> tuple[bool, str, str | None]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    with warnings.catch_warnings():  # Python 3.12+ warns about fork in a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        process = context.Process(target=_child, args=(exercise, fn, send), daemon=True)
        process.start()
    send.close()
    try:
        if receive.poll(timeout):
            try:
                message = receive.recv()
                if message == _LEARNER_DONE and receive.poll(_DIAGNOSIS_TIMEOUT):  # our own work remains
                    message = receive.recv()
                if message != _LEARNER_DONE:
                    return message
            except EOFError:  # the child ended without sending a verdict
                process.join(5.0)
        if process.is_alive():
            return (False, f"your function did not finish within {timeout:g} s, so it was stopped "
                           "(your kernel is fine). Look for a loop that never ends, e.g. a `while` "
                           "whose condition never changes.", "timeout")
        return (False, f"your code ended the checker's worker process (exit code {process.exitcode}), "
                       "e.g. with sys.exit() or os._exit(); remove that call.", "crashed")
    finally:
        if process.is_alive():
            process.kill()
        process.join(1.0)
        receive.close()


def _run_threaded(exercise: Exercise, fn: Callable, timeout: float) -> tuple[bool, str, str | None]:
    box: list = []
    thread = threading.Thread(target=lambda: box.append(_diagnose(exercise, fn)), daemon=True)
    thread.start()
    thread.join(timeout)
    if box:
        return box[0]
    return (False, f"your function did not finish within {timeout:g} s (an endless loop?). It may still "
                   "be running in the background: restart the kernel after fixing it.", "timeout")


#: mistakes that are about running the code, not about the answer: told in full even without reveal
_PLAIN_MISTAKES = ("timeout", "crashed", "exception", "mutates_input")


def run_check(exercise: Exercise, fn: Callable, *, timeout: float = DEFAULT_TIMEOUT,
              quiet: bool = False, reveal: bool = True) -> CheckResult:
    """Check ``fn`` against ``exercise``, print the verdict (unless ``quiet``) and return it.

    With ``reveal=False`` (the "find the bug" exercises) a wrong answer is not named: the verdict
    says the bug is still there and shows the failing example, and ``mistake`` still holds the key.
    """
    try:
        exercise.reference()  # import torch and the reference here, once, not in every child
    except Exception:  # noqa: BLE001 - the child reports it as the checker failing
        pass
    _seed_all(CHECK_SEED)
    if "fork" in multiprocessing.get_all_start_methods():
        passed, message, mistake = _run_forked(exercise, fn, timeout)
    else:
        passed, message, mistake = _run_threaded(exercise, fn, timeout)
    if passed:
        text = f"✅ {exercise.name}: correct, well done! {message}"
    elif mistake == "not_implemented":
        text = f"⏳ {exercise.name}: not implemented yet. {message}"
    elif not reveal and mistake not in _PLAIN_MISTAKES:
        example = message.split("\n", 1)[1] if "\n" in message else ""
        text = (f"🐞 {exercise.name}: the bug is still there; this input still goes wrong "
                f"(stuck? call the check with reveal=True for a hint).\n{example}").rstrip()
    else:
        text = f"❌ {exercise.name}: {message}"
    if not quiet:
        print(text)
    return CheckResult(exercise.name, passed, text, mistake)


# --- comparing outputs ----------------------------------------------------------------------------

def _is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def _kind(value) -> str:
    """The kind of a value, as said to a learner: type, and shape and dtype where it has them."""
    if value is None:
        return "None"
    if _is_tensor(value):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (bool, np.bool_)):
        return "a bool"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return "a number"
    return f"a {type(value).__name__}"


def _as_array(value) -> np.ndarray:
    if _is_tensor(value):
        return value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=float)


def _close(a, b, tolerance: float) -> bool:
    if isinstance(a, (bool, np.bool_, str, tuple)) or isinstance(b, (bool, np.bool_, str, tuple)):
        return a == b
    a, b = _as_array(a), _as_array(b)
    return a.shape == b.shape and bool(np.allclose(a, b, atol=tolerance, rtol=tolerance, equal_nan=True))


def _same(a, b) -> bool:
    """Exact equality of two inputs (arrays, tensors, modules, numbers), for the mutation check."""
    if hasattr(a, "state_dict") and hasattr(b, "state_dict"):
        sa, sb = a.state_dict(), b.state_dict()
        return sa.keys() == sb.keys() and all(_same(sa[k], sb[k]) for k in sa)
    if _is_tensor(a) or isinstance(a, np.ndarray):
        return _kind(a) == _kind(b) and bool((_as_array(a) == _as_array(b)).all())
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - objects without a usable ==: take them as unchanged
        return True


def call(fn: Callable, case: dict, mutable: tuple[str, ...] = ()) -> tuple[Any, dict]:
    """Call ``fn(**copy_of_case)``; return its output and the (possibly changed) copies of the inputs.

    Raises ``_MutatedInput`` when an argument not in ``mutable`` was changed in place.
    """
    inputs = copy.deepcopy(case)
    output = fn(**inputs)
    for name, value in case.items():
        if name not in mutable and not _same(value, inputs[name]):
            raise _MutatedInput(name)
    return output, inputs


def _fmt(value) -> str:
    if value is None:
        return "None"
    if _is_tensor(value) or isinstance(value, np.ndarray):
        array = _as_array(value)
        text = np.array2string(np.round(array, 4), precision=4, separator=", ", threshold=12,
                               suppress_small=True, max_line_width=10_000)
        text = " ".join(text.split())  # a table on one line: "[[0.0, 1.0], [2.0, -1.0]]"
        return f"tensor({text})" if _is_tensor(value) else text
    if isinstance(value, (float, np.floating)):
        return repr(round(float(value), 4))
    return repr(value)


def _short(value) -> str:
    """``_fmt`` of a value, or just its kind when that would not fit on a line."""
    text = _fmt(value)
    if len(text) <= 100:
        return text
    if isinstance(value, list):
        return f"a list of {len(value)} items" + (f" ({type(value[0]).__name__})" if value else "")
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return f"a {type(value).__name__} of {len(value[0])}"
    return _kind(value)


def describe_case(case: dict) -> str:
    """The inputs of a case on one line (modules, optimizers and generators left out)."""
    parts = []
    for name, value in case.items():
        if hasattr(value, "state_dict") or isinstance(value, np.random.Generator) or callable(value):
            continue
        parts.append(f"{name}={_short(value)}")
    return ", ".join(parts)


def _short_traceback(error: BaseException) -> str:
    """The learner's own frames (not this module's), as 'line N: source', and the error line."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__]
    lines = []
    for frame in frames[-3:]:
        source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        lines.append(f"    in {frame.name}, line {frame.lineno}: {source}")
    lines.append(f"    {type(error).__name__}: {error}")
    return "\n".join(lines)


_EXCEPTION_HINTS = [
    (("index", "indices"), "an index is out of range or of the wrong type: rows are states (obs), columns actions"),
    (("shape", "size", "broadcast", "dimension"),
     "the shapes of two values do not fit together: print `.shape` of each tensor or array on that line"),
    (("grad",), "a tensor that needs gradients was used where a plain value is needed: "
                "use `.detach()` or `torch.no_grad()` where no gradient should flow"),
    (("dtype", "expected scalar type", "float", "long"),
     "two tensors have different dtypes: actions used as indices must be int64 (`.long()`)"),
]


def _exception_hint(error: BaseException) -> str:
    text = f"{type(error).__name__} {error}".lower()
    for words, hint in _EXCEPTION_HINTS:
        if any(word in text for word in words):
            return hint
    return "read the last line of the traceback: it says what went wrong and where"


def _diagnose(exercise: Exercise, fn: Callable,
              learner_done: Callable[[], None] = lambda: None) -> tuple[bool, str, str | None]:
    """Compare ``fn`` with the reference; return (passed, message, mistake).

    ``learner_done`` is called once the learner's code has run on every case (or failed).
    """
    if not callable(fn):
        return False, f"expected a function or class, got {_kind(fn)}.", "kind"
    reference = exercise.reference()
    cases = exercise.cases()
    computed: list[tuple[Mutant, list[dict] | tuple[int, type]]] = []

    def mutant_outputs():
        """Each mutant with its outputs on the cases, or (case index, exception type) where it fails;
        computed once, lazily, in catalogue order."""
        yield from computed
        for mutant in exercise.mutants()[len(computed):]:
            _seed_all(CHECK_SEED)
            outputs: list[dict] | tuple[int, type] = []
            for index, case in enumerate(cases):
                try:
                    outputs.append(exercise.observe(mutant.fn, case))
                except Exception as error:  # noqa: BLE001 - how a mutant fails is part of its behaviour
                    outputs = (index, type(error))
                    break
            computed.append((mutant, outputs))
            yield mutant, outputs
    _seed_all(CHECK_SEED)
    expected = [exercise.observe(reference, case) for case in cases]
    _seed_all(CHECK_SEED)
    got = []
    try:
        for case in cases:
            got.append(exercise.observe(fn, case))
    except NotImplementedError:
        return False, "Replace the `raise NotImplementedError(...)` line with your code, then run this check again.", \
            "not_implemented"
    except _MutatedInput as changed:
        return False, (f"your function changes its input `{changed}` in place. Leave the inputs as they "
                       "are: compute new values (e.g. `x = x * 2` rather than `x *= 2`)."), "mutates_input"
    except Wrong as wrong:
        return False, str(wrong), "kind"
    except Exception as error:  # noqa: BLE001 - the learner's error, reported kindly
        learner_done()
        hint, key = _exception_hint(error), "exception"
        for mutant, outputs in mutant_outputs():
            if outputs == (len(got), type(error)):  # a known mistake that fails the same way
                hint, key = mutant.hint, mutant.key
                break
        return False, (f"your function raised an error on the inputs\n    {describe_case(cases[len(got)])}\n"
                       f"{_short_traceback(error)}\n  Hint: {hint}."), key

    learner_done()

    def same_as(outputs: list[dict]) -> bool:
        return all(_kind(h.get(name)) == _kind(o[name]) and _close(h.get(name), o[name], exercise.tolerance)
                   for h, o in zip(got, outputs) for name in o)

    # output by output: its kind (type, shape, dtype) first, then its values
    for index, (want, have) in enumerate(zip(expected, got)):
        for name in want:
            kinds = _kind(have.get(name)) != _kind(want[name])
            if not kinds and _close(have[name], want[name], exercise.tolerance):
                continue
            for mutant, outputs in mutant_outputs():
                if isinstance(outputs, list) and same_as(outputs):
                    return False, _failure(mutant.hint, cases[index], name, want[name], have.get(name),
                                           kinds=kinds), mutant.key
            if kinds:
                for mutant, outputs in mutant_outputs():
                    if isinstance(outputs, list) and _kind(outputs[index].get(name)) == _kind(have.get(name)):
                        return False, _failure(mutant.hint, cases[index], name, want[name], have.get(name),
                                               kinds=True), mutant.key
            return False, _failure(None, cases[index], name, want[name], have.get(name), kinds=kinds), \
                "kind" if kinds else "values"
    return True, f"({len(cases)} test inputs)", None


def _failure(hint: str | None, case: dict, name: str, want, have, *, kinds: bool = False) -> str:
    if hint is None:
        hint = ("the kind of output differs from what was expected" if kinds else
                "the values differ from the expected ones; go through the equation above step by step")
    lines = [f"{hint}.", f"  Example: {describe_case(case)}"]
    if kinds:
        lines += [f"  expected {name}: {_kind(want)}", f"  yours:   {_kind(have)}"]
    else:
        lines += [f"  expected {name}: {_fmt(want)}", f"  yours:   {_fmt(have)}"]
    return "\n".join(lines)


# --- chapter 02: Q-tables -------------------------------------------------------------------------

_EPSILON_CALLS = 2000  # calls per case; action frequencies are compared within ±0.05 (> 4.5 σ)


def _epsilon_cases() -> list[dict]:
    return [dict(q_values=np.array([1.0, 3.0, 2.0, 0.5]), epsilon=0.2, seed=1),
            dict(q_values=np.array([-1.0, 0.5, -2.0]), epsilon=0.5, seed=2),
            dict(q_values=np.array([2.0, 2.0, 0.0]), epsilon=0.0, seed=3)]


def _observe_epsilon_greedy(fn: Callable, case: dict) -> dict:
    q_values, epsilon = case["q_values"], case["epsilon"]
    n_actions = len(q_values)
    rng = np.random.default_rng(case["seed"])
    counts = np.zeros(n_actions)
    given = q_values.copy()
    for _ in range(_EPSILON_CALLS):
        action = fn(given, epsilon, rng)
        if not _same(given, q_values):
            raise _MutatedInput("q_values")
        if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
            raise Wrong(f"your function returned {_kind(action)} ({_fmt(action)}); an action is one int, "
                        "e.g. `int(np.argmax(q_values))`.")
        if not 0 <= action < n_actions:
            raise Wrong(f"your function returned the action {action}, but there are {n_actions} actions "
                        f"(0 to {n_actions - 1}).")
        counts[action] += 1

    def actions(seed: int) -> list[int]:
        generator = np.random.default_rng(seed)
        return [int(fn(q_values.copy(), epsilon, generator)) for _ in range(20)]

    return {"action frequencies": counts / _EPSILON_CALLS,
            "same actions from the same seed": actions(case["seed"] + 100) == actions(case["seed"] + 100)}


def _greedy_ties_random(q_values: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(q_values == q_values.max())
    return int(rng.choice(best))


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

    return [
        Mutant("argmin", "you pick the action with the smallest Q-value; greedy means argmax", argmin),
        Mutant("never_explores", "your agent never explores: with probability ε it must take a uniformly "
               "random action", never_explores),
        Mutant("never_exploits", "your agent always acts at random: with probability 1 − ε it must take "
               "the greedy action argmax Q(s, ·)", never_exploits),
        Mutant("inverted_epsilon", "you explore with probability 1 − ε instead of ε: explore when "
               "`rng.random() < epsilon`", inverted),
        Mutant("first_of_ties", "ties always go to the first action (np.argmax does that), so a zero-initialised "
               "table never tries the others: break ties at random with rng", first_of_ties),
        Mutant("explores_without_greedy", "when exploring you leave out the greedy action: the random action "
               "is uniform over ALL actions", explores_without_greedy),
        Mutant("global_random", "you draw from np.random instead of the `rng` argument, so the same seed "
               "does not give the same actions: use rng.random() and rng.integers()", global_random),
    ]


EPSILON_GREEDY = Exercise(
    name="epsilon_greedy",
    reference=lambda: __import__("rlcourse.tabular", fromlist=["epsilon_greedy"]).epsilon_greedy,
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
    return {"returned td_error": td_error, "q_table after the update": inputs["q_table"]}


def _tabular_update(next_value: Callable, *, use_terminated: bool = True, use_alpha: bool = True,
                    use_gamma: bool = True, sign: float = 1.0, write: bool = True, give: bool = True):
    """A tabular TD update built from parts, each switch one common mistake."""

    def update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma, next_action=None):
        bootstrap = next_value(q_table, obs, action, next_obs, next_action)
        if terminated and use_terminated:
            bootstrap = 0.0
        td_target = reward + (gamma if use_gamma else 1.0) * bootstrap
        td_error = sign * (td_target - q_table[obs, action])
        if write:
            step = (alpha if use_alpha else 1.0) * (td_target - q_table[obs, action])
            q_table[obs, action] = q_table[obs, action] + step
        return float(td_error) if give else None

    return update


def _max_next(q_table, obs, action, next_obs, next_action):
    return q_table[next_obs].max()


def _q_learning_mutants() -> list[Mutant]:
    def sarsa_style(*, q_table, obs, action, reward, next_obs, terminated, alpha, gamma):
        return _tabular_update(lambda q, s, a, s2, a2: q[s2, a])(q_table, obs, action, reward, next_obs,
                                                                 terminated, alpha, gamma)

    def mutant(**switches):
        update = _tabular_update(switches.pop("next_value", _max_next), **switches)
        return lambda q_table, obs, action, reward, next_obs, terminated, alpha, gamma: update(
            q_table, obs, action, reward, next_obs, terminated, alpha, gamma)

    return [
        Mutant("bootstraps_terminal", "your target bootstraps through a terminated transition: when "
               "terminated, there is no future, so td_target = r", mutant(use_terminated=False)),
        Mutant("current_state_max", "your target uses max Q(s, ·) of the current state; it must use the next "
               "state: max_a' Q(next_obs, a')", mutant(next_value=lambda q, s, a, s2, a2: q[s].max())),
        Mutant("same_action_next", "your target uses Q(next_obs, action), the value of the same action in the "
               "next state; Q-learning takes the max over all next actions", sarsa_style),
        Mutant("no_alpha", "you replaced Q(s, a) by the target; move it only a step α of the way: "
               "Q(s, a) + α · td_error", mutant(use_alpha=False)),
        Mutant("no_gamma", "your target does not discount: multiply the next state's value by γ",
               mutant(use_gamma=False)),
        Mutant("td_error_sign", "your TD error has the wrong sign: td_error = td_target − Q(s, a)",
               mutant(sign=-1.0)),
        Mutant("no_write", "your function never writes the new value into q_table: update it in place, "
               "q_table[obs, action] = ...", mutant(write=False)),
        Mutant("no_return", "your function does not return the TD error: end with `return td_error`",
               mutant(give=False)),
    ]


Q_LEARNING_UPDATE = Exercise(
    name="q_learning_update",
    reference=lambda: __import__("rlcourse.tabular", fromlist=["q_learning_update"]).q_learning_update,
    cases=_q_learning_cases, observe=_observe_tabular, mutants=_q_learning_mutants, mutable=("q_table",))


def _sarsa_cases() -> list[dict]:
    cases = _q_learning_cases()
    for case, next_action in zip(cases, [0, 1, 1, 0]):
        case["next_action"] = next_action
        case["terminated"] = case.pop("terminated")  # keep the argument order of the signature
        case["alpha"] = case.pop("alpha")
        case["gamma"] = case.pop("gamma")
    return cases


def _sarsa_mutants() -> list[Mutant]:
    def mutant(**switches):
        update = _tabular_update(switches.pop("next_value", lambda q, s, a, s2, a2: q[s2, a2]), **switches)
        return lambda q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma: update(
            q_table, obs, action, reward, next_obs, terminated, alpha, gamma, next_action)

    return [
        Mutant("bootstraps_terminal", "your target bootstraps through a terminated transition: when "
               "terminated, there is no future, so td_target = r", mutant(use_terminated=False)),
        Mutant("q_learning_max", "you used max_a' Q(next_obs, a'): that is Q-learning. SARSA uses the action "
               "really taken next: Q(next_obs, next_action)", mutant(next_value=_max_next)),
        Mutant("same_action_next", "your target uses Q(next_obs, action); SARSA uses the next action: "
               "Q(next_obs, next_action)", mutant(next_value=lambda q, s, a, s2, a2: q[s2, a])),
        Mutant("no_alpha", "you replaced Q(s, a) by the target; move it only a step α of the way: "
               "Q(s, a) + α · td_error", mutant(use_alpha=False)),
        Mutant("no_gamma", "your target does not discount: multiply the next state's value by γ",
               mutant(use_gamma=False)),
        Mutant("td_error_sign", "your TD error has the wrong sign: td_error = td_target − Q(s, a)",
               mutant(sign=-1.0)),
        Mutant("no_write", "your function never writes the new value into q_table: update it in place, "
               "q_table[obs, action] = ...", mutant(write=False)),
        Mutant("no_return", "your function does not return the TD error: end with `return td_error`",
               mutant(give=False)),
    ]


SARSA_UPDATE = Exercise(
    name="sarsa_update",
    reference=lambda: __import__("rlcourse.tabular", fromlist=["sarsa_update"]).sarsa_update,
    cases=_sarsa_cases, observe=_observe_tabular, mutants=_sarsa_mutants, mutable=("q_table",))


def check_epsilon_greedy(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``epsilon_greedy(q_values, epsilon, rng) -> int`` (action frequencies, ties, reproducibility)."""
    return run_check(EPSILON_GREEDY, fn, timeout=timeout, reveal=reveal)


def check_q_learning_update(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``q_learning_update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma) -> td_error``."""
    return run_check(Q_LEARNING_UPDATE, fn, timeout=timeout, reveal=reveal)


def check_sarsa_update(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma)``."""
    return run_check(SARSA_UPDATE, fn, timeout=timeout, reveal=reveal)


# --- chapter 04: the replay buffer ----------------------------------------------------------------

_BATCH_FIELDS = ("obs", "action", "reward", "next_obs", "terminated", "truncated")
_SAMPLES = 3000


def _replay_cases() -> list[dict]:
    return [dict(capacity=5, n_added=3, seed=1), dict(capacity=5, n_added=8, seed=2),
            dict(capacity=4, n_added=4, seed=3)]


def _fill(buffer, n_added: int) -> None:
    """Transition i: obs (i, -i), action i % 3, reward i + 1, next_obs (i + 1, -(i + 1)); some
    terminated (i % 4 == 3), others truncated (i % 3 == 1), never both."""
    for i in range(n_added):
        buffer.add(np.array([i, -i], dtype=np.float32), i % 3, float(i + 1),
                   np.array([i + 1, -(i + 1)], dtype=np.float32), terminated=i % 4 == 3,
                   truncated=i % 3 == 1 and i % 4 != 3)


def _observe_replay(cls: Callable, case: dict) -> dict:
    buffer = cls(case["capacity"], obs_shape=(2,), seed=case["seed"])
    _fill(buffer, case["n_added"])
    seen = {"len(buffer)": len(buffer),
            "stored rewards": np.array(buffer.reward, dtype=float),
            "stored terminated": np.array(buffer.terminated, dtype=float),
            "stored truncated": np.array(buffer.truncated, dtype=float)}
    try:
        batch = dict(zip(_BATCH_FIELDS, buffer.sample(_SAMPLES)))
        for name in _BATCH_FIELDS:
            seen[f"batch.{name}"] = _kind(batch.get(name)).replace(f"({_SAMPLES}", "(batch_size")
        stored = set(np.asarray(buffer.reward)[: min(case["n_added"], case["capacity"])].tolist())
        reward = _as_array(batch["reward"]).reshape(-1)
        obs = _as_array(batch["obs"]).reshape(-1, 2)
        seen["share of samples from filled slots"] = float(np.isin(reward, list(stored)).mean())
        seen["frequency of each stored transition"] = np.array([(reward == r).mean() for r in sorted(stored)])
        seen["each sampled row is one transition"] = bool(
            (reward == obs[:, 0] + 1).all() and (_as_array(batch["next_obs"]).reshape(-1, 2)[:, 0] == reward).all()
            and (_as_array(batch["action"]).reshape(-1) == obs[:, 0] % 3).all())
        again = cls(case["capacity"], obs_shape=(2,), seed=case["seed"])
        _fill(again, case["n_added"])
        seen["same seed, same batch"] = bool((_as_array(again.sample(_SAMPLES)[2]) == _as_array(batch["reward"])).all())
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - a sample() that fails is itself an observation
        for name in [f"batch.{name}" for name in _BATCH_FIELDS] + [
                "share of samples from filled slots", "frequency of each stored transition",
                "each sampled row is one transition", "same seed, same batch"]:
            seen[name] = f"sample() raised {type(error).__name__}: {error}"
    return seen


def _replay_mutants() -> list[Mutant]:
    import torch

    from rlcourse.replay import Batch, ReplayBuffer

    class NoOverwrite(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            if self.size < self.capacity:
                super().add(obs, action, reward, next_obs, terminated, truncated)

    class PositionStuck(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, terminated, truncated)
            self.position = 0

    class SizeUncapped(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            size = self.size
            super().add(obs, action, reward, next_obs, terminated, truncated)
            self.size = size + 1

    class MergedDone(ReplayBuffer):
        def add(self, obs, action, reward, next_obs, terminated, truncated):
            super().add(obs, action, reward, next_obs, terminated or truncated, truncated)

    class EmptySlots(ReplayBuffer):
        def sample_indices(self, batch_size):
            return self.rng.integers(0, self.capacity, size=batch_size)

    class NumpyBatch(ReplayBuffer):
        def sample(self, batch_size):
            idx = self.sample_indices(batch_size)
            return Batch(*(array[idx] for array in (self.obs, self.action, self.reward, self.next_obs,
                                                     self.terminated, self.truncated)))

    class Misaligned(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(reward=torch.from_numpy(self.reward[self.sample_indices(batch_size)]))

    class RewardColumn(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(reward=batch.reward.unsqueeze(1))

    return [
        Mutant("no_overwrite", "once the buffer is full your add() drops new transitions; it must overwrite "
               "the oldest one: position = (position + 1) % capacity", NoOverwrite),
        Mutant("position_stuck", "your add() writes every transition into the same slot: move position on by "
               "one after each add, wrapping around at capacity", PositionStuck),
        Mutant("size_uncapped", "len(buffer) keeps growing past capacity: size = min(size + 1, capacity)",
               SizeUncapped),
        Mutant("merged_done", "you stored `terminated or truncated` as terminated: a time limit is not a "
               "terminal state, so keep the two flags apart", MergedDone),
        Mutant("samples_empty_slots", "you sample from the whole array, empty slots included: draw indices "
               "below len(buffer) only", EmptySlots),
        Mutant("numpy_batch", "sample() must return torch tensors (torch.from_numpy(array[idx])), not numpy "
               "arrays", NumpyBatch),
        Mutant("misaligned_rows", "the fields of a sampled row come from different transitions: index every "
               "array with the same indices", Misaligned),
        Mutant("reward_column", "the sampled reward has shape (batch_size, 1); it must be (batch_size,), or "
               "the TD target broadcasts to (batch_size, batch_size)", RewardColumn),
    ]


REPLAY_BUFFER = Exercise(
    name="ReplayBuffer",
    reference=lambda: __import__("rlcourse.replay", fromlist=["ReplayBuffer"]).ReplayBuffer,
    cases=_replay_cases, observe=_observe_replay, mutants=_replay_mutants, tolerance=0.05)


def check_replay_buffer(cls: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check a replay buffer class with ``add`` and ``sample`` (built like :class:`rlcourse.replay.ReplayBuffer`)."""
    return run_check(REPLAY_BUFFER, cls, timeout=timeout, reveal=reveal)


# --- chapter 04: DQN ------------------------------------------------------------------------------

def _dqn_td_target_cases() -> list[dict]:
    import torch

    generator = torch.Generator().manual_seed(4)
    small = dict(reward=torch.tensor([1.0, 0.0, -1.0]),
                 next_q_values=torch.tensor([[0.5, 2.0], [3.0, -1.0], [-2.0, -0.5]]),
                 terminated=torch.tensor([0.0, 1.0, 0.0]), gamma=0.9)
    large = dict(reward=torch.randn(32, generator=generator),
                 next_q_values=torch.randn(32, 3, generator=generator),
                 terminated=(torch.rand(32, generator=generator) < 0.3).float(), gamma=0.99)
    return [small, large]


def _observe_output(fn: Callable, case: dict) -> dict:
    output, _ = call(fn, case)
    return {"output": output}


def _dqn_td_target_mutants() -> list[Mutant]:
    def mutant(next_value, mask=lambda terminated: 1.0 - terminated, discount=True, cast=None):
        def td_target(reward, next_q_values, terminated, gamma):
            target = reward + (gamma if discount else 1.0) * mask(terminated) * next_value(next_q_values)
            return target if cast is None else target.to(cast)
        return td_target

    import torch

    best = lambda q: q.max(dim=1).values  # noqa: E731 - one-line parts of the mutants
    return [
        Mutant("bootstraps_terminal", "your target bootstraps through a terminated transition: multiply "
               "the next state's value by (1 − terminated)", mutant(best, mask=lambda t: 1.0)),
        Mutant("mask_inverted", "you multiplied by terminated instead of (1 − terminated): only "
               "terminated transitions bootstrap now", mutant(best, mask=lambda t: t)),
        Mutant("broadcast_batch_batch", "your shapes broadcast to (batch, batch): a (batch, 1) tensor "
               "(max with keepdim=True) met a (batch,) one; use next_q_values.max(dim=1).values, shape "
               "(batch,)", mutant(lambda q: q.max(dim=1, keepdim=True).values)),
        Mutant("max_over_batch", "you took the max over the batch (dim=0); take it over the actions, dim=1",
               mutant(lambda q: q.max(dim=0).values)),
        Mutant("argmax_not_max", "you used argmax (the index of the best action) where the target needs max "
               "(its value)", mutant(lambda q: q.argmax(dim=1))),
        Mutant("mean_not_max", "you averaged the next Q-values; the target uses the best next action: "
               "max over dim 1", mutant(lambda q: q.mean(dim=1))),
        Mutant("no_gamma", "your target does not discount: multiply the next state's value by γ",
               mutant(best, discount=False)),
        Mutant("float64", "your target is float64; keep the dtype of reward (float32), e.g. by not "
               "building tensors from numpy float64 values", mutant(best, cast=torch.float64)),
    ]


TD_TARGET = Exercise(
    name="td_target",
    reference=lambda: __import__("rlcourse.dqn", fromlist=["td_target"]).td_target,
    cases=_dqn_td_target_cases, observe=_observe_output, mutants=_dqn_td_target_mutants)


def _dqn_loss_cases() -> list[dict]:
    import torch

    generator = torch.Generator().manual_seed(5)
    small = dict(q_values=torch.tensor([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]], requires_grad=True),
                 action=torch.tensor([1, 0, 0]), td_target=torch.tensor([1.5, 2.0, -1.0]))
    large = dict(q_values=torch.randn(32, 3, generator=generator).requires_grad_(),
                 action=torch.randint(0, 3, (32,), generator=generator),
                 td_target=torch.randn(32, generator=generator) * 2)
    return [small, large]


def _observe_loss(fn: Callable, case: dict) -> dict:
    import warnings as _warnings

    with _warnings.catch_warnings():  # a (batch, 1) vs (batch,) loss warns; its value tells the story
        _warnings.simplefilter("ignore", UserWarning)
        loss, _ = call(fn, case)
    seen = {"loss": loss}
    seen["loss can train the network"] = bool(_is_tensor(loss) and loss.requires_grad)
    return seen


def _dqn_loss_mutants() -> list[Mutant]:
    import torch
    import torch.nn.functional as F

    def taken(q_values, action):
        return q_values.gather(1, action.unsqueeze(1)).squeeze(1)

    return [
        Mutant("all_actions", "your loss compares the Q-values of ALL actions with the target; only the "
               "action taken has a target: q_values.gather(1, action.unsqueeze(1)).squeeze(1)",
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   q_values, td_target.unsqueeze(1).expand_as(q_values))),
        Mutant("broadcast_batch_batch", "your q_pred has shape (batch, 1) and broadcast against td_target "
               "(batch,) to (batch, batch): squeeze(1) after gather",
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   q_values.gather(1, action.unsqueeze(1)), td_target)),
        Mutant("max_not_taken", "you used max_a Q(s, a); the loss needs the Q-value of the action taken",
               lambda q_values, action, td_target: F.smooth_l1_loss(q_values.max(dim=1).values, td_target)),
        Mutant("mse", "you used the squared error; DQN here uses the Huber loss (F.smooth_l1_loss), which "
               "grows only linearly for large errors",
               lambda q_values, action, td_target: F.mse_loss(taken(q_values, action), td_target)),
        Mutant("sum_not_mean", "you summed over the batch; take the mean, so the step size does not depend "
               "on the batch size", lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values, action), td_target, reduction="sum")),
        Mutant("detached", "your loss is cut off from the network (a .detach() or .item() on q_values): no "
               "gradient can reach the online network", lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values.detach(), action), td_target)),
        Mutant("item", "you returned a Python number (.item()); return the loss tensor so you can call "
               ".backward() on it", lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values, action), td_target).item()),
        Mutant("not_reduced", "your loss is one number per transition; reduce it to a scalar with the mean",
               lambda q_values, action, td_target: F.smooth_l1_loss(
                   taken(q_values, action), td_target, reduction="none")),
    ]


DQN_LOSS = Exercise(
    name="dqn_loss",
    reference=lambda: __import__("rlcourse.dqn", fromlist=["dqn_loss"]).dqn_loss,
    cases=_dqn_loss_cases, observe=_observe_loss, mutants=_dqn_loss_mutants)


def _network_pair_cases(taus: tuple[float, ...] | None = None) -> list[dict]:
    import torch

    from rlcourse.networks import mlp

    cases = []
    for seed, tau in zip((6, 7), taus or (None, None)):
        torch.manual_seed(seed)
        target, online = mlp(3, 2, hidden=(4,)), mlp(3, 2, hidden=(4,))
        case = dict(target=target, online=online)
        if tau is not None:
            case["tau"] = tau
        cases.append(case)
    return cases


def _flat(module) -> Any:
    import torch

    return torch.cat([p.detach().reshape(-1) for p in module.parameters()]).clone()


def _observe_target_update(fn: Callable, case: dict) -> dict:
    import torch

    output, inputs = call(fn, case, mutable=("target", "online"))
    target, online = inputs["target"], inputs["online"]
    seen = {"target parameters after": _flat(target), "online parameters after": _flat(online)}
    before = _flat(target)
    with torch.no_grad():
        for param in online.parameters():
            param.add_(1.0)  # a later training step of the online network ...
    seen["target stays put when the online network trains"] = bool(torch.equal(_flat(target), before))
    return seen


def _hard_update_mutants() -> list[Mutant]:
    import torch

    def rebinds(target, online):
        target = online  # noqa: F841 - the mistake: a local name, nothing copied

    def reversed_direction(target, online):
        online.load_state_dict(target.state_dict())

    def shares(target, online):
        for target_module, online_module in zip(target.modules(), online.modules()):
            for name in list(target_module._parameters):
                target_module._parameters[name] = online_module._parameters[name]

    @torch.no_grad()
    def first_only(target, online):
        next(target.parameters()).copy_(next(online.parameters()))

    return [
        Mutant("rebinds_name", "`target = online` only renames a local variable; copy the parameters: "
               "target.load_state_dict(online.state_dict())", rebinds),
        Mutant("reversed", "you copied the target into the online network; the direction is target ← online",
               reversed_direction),
        Mutant("shares_parameters", "your target shares the online network's parameter tensors, so it moves "
               "with every training step; copy the values instead (load_state_dict)", shares),
        Mutant("first_parameter_only", "you copied only some of the parameters: copy all of them, weights and "
               "biases of every layer", first_only),
    ]


HARD_UPDATE = Exercise(
    name="hard_update",
    reference=lambda: __import__("rlcourse.networks", fromlist=["hard_update"]).hard_update,
    cases=_network_pair_cases, observe=_observe_target_update, mutants=_hard_update_mutants,
    mutable=("target", "online"))


def _soft_update_mutants() -> list[Mutant]:
    import torch

    def mutant(step):
        @torch.no_grad()
        def soft_update(target, online, tau):
            for target_param, param in list(zip(target.parameters(), online.parameters())):
                step(target_param, param, tau)
        return soft_update

    def local_only(target, online, tau):
        for target_param, param in zip(target.parameters(), online.parameters()):
            target_param = tau * param + (1 - tau) * target_param  # noqa: F841 - the mistake

    @torch.no_grad()
    def first_only(target, online, tau):
        next(target.parameters()).lerp_(next(online.parameters()), tau)

    return [
        Mutant("tau_swapped", "you gave τ to the target network; τ weighs the ONLINE network: "
               "θ⁻ ← τ θ + (1 − τ) θ⁻", mutant(lambda t, o, tau: t.copy_((1 - tau) * o + tau * t))),
        Mutant("hard_copy", "you copied the online network outright; a soft update moves the target only a "
               "fraction τ of the way", mutant(lambda t, o, tau: t.copy_(o))),
        Mutant("online_moved", "you moved the online network towards the target; it is the target that "
               "follows: θ⁻ ← τ θ + (1 − τ) θ⁻",
               mutant(lambda t, o, tau: o.copy_(tau * t + (1 - tau) * o))),
        Mutant("no_shrink", "you added τ θ without shrinking θ⁻ by (1 − τ): θ⁻ ← τ θ + (1 − τ) θ⁻",
               mutant(lambda t, o, tau: t.add_(tau * o))),
        Mutant("local_only", "you computed the new values but gave them to a local name; write them into the "
               "target's tensors in place, e.g. target_param.copy_(...) under torch.no_grad()", local_only),
        Mutant("first_parameter_only", "you updated only some of the parameters: update all of them, weights "
               "and biases of every layer", first_only),
    ]


SOFT_UPDATE = Exercise(
    name="soft_update",
    reference=lambda: __import__("rlcourse.networks", fromlist=["soft_update"]).soft_update,
    cases=lambda: _network_pair_cases(taus=(0.1, 0.3)), observe=_observe_target_update,
    mutants=_soft_update_mutants, mutable=("target", "online"))


def check_td_target(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``td_target(reward (B,), next_q_values (B, n_actions), terminated (B,), gamma) -> (B,)``."""
    return run_check(TD_TARGET, fn, timeout=timeout, reveal=reveal)


def check_dqn_loss(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``dqn_loss(q_values (B, n_actions), action (B,), td_target (B,)) -> scalar`` (Huber)."""
    return run_check(DQN_LOSS, fn, timeout=timeout, reveal=reveal)


def check_hard_update(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``hard_update(target, online)``: θ⁻ ← θ, as an independent copy."""
    return run_check(HARD_UPDATE, fn, timeout=timeout, reveal=reveal)


def check_soft_update(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``soft_update(target, online, tau)``: θ⁻ ← τ θ + (1 − τ) θ⁻."""
    return run_check(SOFT_UPDATE, fn, timeout=timeout, reveal=reveal)


# --- find the bug: training snippets ---------------------------------------------------------------

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
    import warnings as _warnings

    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", UserWarning)
        inputs = copy.deepcopy(case)
        loss = fn(**inputs)
    seen = {"loss": loss}
    if _is_tensor(loss) and loss.requires_grad:
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
    return {"target parameters after": _flat(inputs["target_q_network"]),
            "online parameters after": _flat(inputs["q_network"])}


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


def check_loss_from_batch(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``loss_from_batch(q_network, target_q_network, batch, gamma) -> loss`` (one DQN loss)."""
    return run_check(LOSS_FROM_BATCH, fn, timeout=timeout, reveal=reveal)


def check_collect_episode(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``collect_episode(env, policy, buffer, seed) -> episode_return`` (what it stores)."""
    return run_check(COLLECT_EPISODE, fn, timeout=timeout, reveal=reveal)


def check_train_steps(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``train_steps(q_network, target_q_network, optimizer, batches, gamma, target_update_every)``."""
    return run_check(TRAIN_STEPS, fn, timeout=timeout, reveal=reveal)


# --- chapters 05-06: DDPG -------------------------------------------------------------------------

def _actor(seed: int):
    """The course's actor for Pendulum-sized inputs: obs (B, 3) -> action (B, 1) in [-2, 2]."""
    import torch

    from rlcourse.networks import Actor

    torch.manual_seed(seed)
    return Actor(3, [-2.0], [2.0], hidden=(8,))


def _critic(seed: int):
    """The course's critic: Q(obs (B, 3), action (B, 1)) -> (B,)."""
    import torch

    from rlcourse.networks import Critic

    torch.manual_seed(seed)
    return Critic(3, 1, hidden=(8,))


def _critic_target_cases() -> list[dict]:
    import torch

    cases = []
    for seed, batch_size in ((12, 3), (13, 16)):
        generator = torch.Generator().manual_seed(seed)
        cases.append(dict(target_actor=_actor(seed), target_critic=_critic(seed + 100),
                          reward=torch.randn(batch_size, generator=generator),
                          next_obs=torch.randn(batch_size, 3, generator=generator),
                          terminated=torch.tensor([0.0, 1.0, 0.0]) if batch_size == 3 else
                          (torch.rand(batch_size, generator=generator) < 0.3).float(), gamma=0.99))
    return cases


def _observe_with_graph(fn: Callable, case: dict) -> dict:
    output, inputs = call(fn, case)
    seen = {"output": output,
            "output carries gradients into the target networks": bool(_is_tensor(output) and output.requires_grad)}
    return seen


def _critic_target_mutants() -> list[Mutant]:
    import torch

    def mutant(mask=lambda t: 1.0 - t, discount=True, reward_column=False, no_grad=True):
        def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
            with torch.set_grad_enabled(not no_grad):
                next_q = target_critic(next_obs, target_actor(next_obs))  # (B,)
                r = reward.unsqueeze(1) if reward_column else reward
                return r + (gamma if discount else 1.0) * mask(terminated) * next_q
        return critic_target

    return [
        Mutant("gradients_into_target", "gradients flow into the target networks: compute the target under "
               "torch.no_grad(), it is a fixed label", mutant(no_grad=False)),
        Mutant("bootstraps_terminal", "your target bootstraps through a terminated transition: multiply the "
               "next value by (1 − terminated)", mutant(mask=lambda t: 1.0)),
        Mutant("mask_inverted", "you multiplied by terminated instead of (1 − terminated)", mutant(mask=lambda t: t)),
        Mutant("broadcast_batch_batch", "your shapes broadcast to (batch, batch): a (batch, 1) tensor met a "
               "(batch,) one; keep reward, terminated and Q all (batch,)", mutant(reward_column=True)),
        Mutant("no_gamma", "your target does not discount: multiply the next value by γ", mutant(discount=False)),
    ]


CRITIC_TARGET = Exercise(
    name="critic_target",
    reference=lambda: __import__("rlcourse.ddpg", fromlist=["critic_target"]).critic_target,
    cases=_critic_target_cases, observe=_observe_with_graph, mutants=_critic_target_mutants)


def _actor_loss_cases() -> list[dict]:
    import torch

    return [dict(actor=_actor(seed), critic=_critic(seed + 100),
                 obs=torch.randn(batch_size, 3, generator=torch.Generator().manual_seed(seed)))
            for seed, batch_size in ((14, 4), (15, 16))]


def _observe_actor_loss(fn: Callable, case: dict) -> dict:
    inputs = copy.deepcopy(case)
    loss = fn(**inputs)
    for name in ("obs",):
        if not _same(case[name], inputs[name]):
            raise _MutatedInput(name)
    seen = {"loss": loss, "loss has a graph": bool(_is_tensor(loss) and loss.requires_grad)}
    if seen["loss has a graph"]:
        loss.backward()
    seen["gradient reaches the actor"] = any(p.grad is not None and bool(p.grad.abs().sum() > 0)
                                             for p in inputs["actor"].parameters())
    return seen


def _actor_loss_mutants() -> list[Mutant]:
    import torch

    return [
        Mutant("wrong_sign", "your loss has the wrong sign: the actor must climb the critic, so minimise "
               "−Q(s, μ(s)): loss = −critic(obs, actor(obs)).mean()",
               lambda actor, critic, obs: critic(obs, actor(obs)).mean()),
        Mutant("detached_action", "the actor's action is detached, so no gradient reaches the actor: pass "
               "actor(obs) to the critic as it is",
               lambda actor, critic, obs: -critic(obs, actor(obs).detach()).mean()),
        Mutant("under_no_grad", "you computed the loss under torch.no_grad(), so it cannot train anything",
               torch.no_grad()(lambda actor, critic, obs: -critic(obs, actor(obs)).mean())),
        Mutant("sum_not_mean", "you summed over the batch; take the mean",
               lambda actor, critic, obs: -critic(obs, actor(obs)).sum()),
        Mutant("item", "you returned a Python number (.item()); return the loss tensor so you can call "
               ".backward() on it", lambda actor, critic, obs: -critic(obs, actor(obs)).mean().item()),
    ]


ACTOR_LOSS = Exercise(
    name="actor_loss",
    reference=lambda: __import__("rlcourse.ddpg", fromlist=["actor_loss"]).actor_loss,
    cases=_actor_loss_cases, observe=_observe_actor_loss, mutants=_actor_loss_mutants)


def _scale_action_cases() -> list[dict]:
    import torch

    return [dict(raw_action=np.array([[-1.0], [-0.5], [0.0], [1.0]], dtype=np.float32),
                 low=np.array([-2.0], dtype=np.float32), high=np.array([2.0], dtype=np.float32)),
            dict(raw_action=np.array([[-1.0, 1.0], [0.5, -0.25], [1.0, 0.0]], dtype=np.float32),
                 low=np.array([0.0, -1.0], dtype=np.float32), high=np.array([1.0, 3.0], dtype=np.float32)),
            dict(raw_action=torch.tensor([[-1.0, 0.5], [0.0, 1.0]]), low=torch.tensor([0.0, -1.0]),
                 high=torch.tensor([1.0, 3.0]))]


def _scale_action_mutants() -> list[Mutant]:
    return [
        Mutant("unscaled", "your action never leaves [−1, 1]: scale it to the env's bounds, "
               "low + (raw_action + 1) · (high − low) / 2", lambda raw_action, low, high: raw_action),
        Mutant("times_high", "raw_action · high works only for bounds symmetric around 0; use "
               "low + (raw_action + 1) · (high − low) / 2", lambda raw_action, low, high: raw_action * high),
        Mutant("clipped_not_scaled", "clipping to [low, high] is not scaling: −1 must map to low and +1 to high",
               lambda raw_action, low, high: raw_action.clip(low, high)),
        Mutant("no_half", "you forgot the / 2: (raw_action + 1) runs from 0 to 2, so halve (high − low)",
               lambda raw_action, low, high: low + (raw_action + 1) * (high - low)),
        Mutant("no_offset", "you forgot to add low: −1 must map to low, not to 0",
               lambda raw_action, low, high: (raw_action + 1) * (high - low) / 2),
        Mutant("swapped_bounds", "you swapped low and high: −1 must map to low and +1 to high",
               lambda raw_action, low, high: high + (raw_action + 1) * (low - high) / 2),
    ]


SCALE_ACTION = Exercise(
    name="scale_action",
    reference=lambda: __import__("rlcourse.ddpg", fromlist=["scale_action"]).scale_action,
    cases=_scale_action_cases, observe=_observe_output, mutants=_scale_action_mutants)


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


def check_critic_target(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma) -> (B,)``."""
    return run_check(CRITIC_TARGET, fn, timeout=timeout, reveal=reveal)


def check_actor_loss(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``actor_loss(actor, critic, obs) -> scalar`` = −critic(obs, actor(obs)).mean()."""
    return run_check(ACTOR_LOSS, fn, timeout=timeout, reveal=reveal)


def check_scale_action(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``scale_action(raw_action in [-1, 1], low, high) -> action in [low, high]`` (numpy or torch)."""
    return run_check(SCALE_ACTION, fn, timeout=timeout, reveal=reveal)


def check_select_action(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT) -> CheckResult:
    """Check ``select_action(actor_net, obs, low, high, noise_scale, rng) -> action`` (noisy, in bounds)."""
    return run_check(SELECT_ACTION, fn, timeout=timeout, reveal=reveal)
