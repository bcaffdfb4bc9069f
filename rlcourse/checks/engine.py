"""The engine behind every exercise check: run the learner's code safely, compare, diagnose, report.

A check runs the learner's function and the package's reference on the same fixed, seeded inputs
(the *cases*, smallest first) and compares what an ``observe`` function sees of each: the kind of
output first (type, shape, dtype), then the values. When they differ, the exercise's catalogue
names the mistake. An entry of the catalogue (a :class:`Mutant`) names it in one of two ways:

* ``fn``: a wrong answer; when the learner's code behaves exactly like it on every case, that is
  the mistake ("your target bootstraps through a terminated transition");
* ``holds``: a *property* of the learner's outputs, for the many ways one mistake can be written
  ("the update moved Q(s, a) away from the target", "only the terminated rows are wrong"). Its
  ``fn`` is then one example of the mistake, which the tests require to be named by the property.

Where nothing in the catalogue fits, the verdict shows the smallest input that goes wrong and
which part of the output is wrong. Learner code runs in a forked child process with a deadline
(an endless loop gets a timeout verdict and the kernel stays alive); what it prints is shown with
the verdict; ``sys.exit()``, a renamed parameter and a changed input are each told as such.

Catalogue modules (``rlcourse.checks.ch02_tabular`` ...) declare an :class:`Exercise` and its
check with :func:`checker`; this module knows none of them.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import io
import linecache
import multiprocessing
import os
import random
import sys
import threading
import traceback
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from rlcourse.i18n import N_, _

#: seconds a check may take before it is stopped (its verdict comes within this plus ~1 s)
DEFAULT_TIMEOUT = 10.0
#: the seed set (``random``, ``numpy``, ``torch``) before every check
CHECK_SEED = 0
#: ``RLCOURSE_GRADING=raise`` makes every check raise :class:`CheckFailed` on a wrong answer
GRADING_ENV = "RLCOURSE_GRADING"
#: nbgrader sets this in the kernel's environment while it autogrades ("autograde") or validates
#: ("validate") a notebook: the checks then raise on a wrong answer, so its test cells lose their points
NBGRADER_ENV = "NBGRADER_EXECUTION"
#: at most this much of the learner's printed output is shown with the verdict
_PRINTED_LIMIT = 2000
_PACKAGE_DIR = str(Path(__file__).resolve().parent)
#: frames of the course's package (a reference a learner's subclass calls) are not the learner's
_COURSE_DIR = str(Path(__file__).resolve().parents[1])


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check.

    Attributes:
        exercise: which exercise was checked, e.g. ``"td_target"``.
        passed: ``True`` when the function behaves like the reference on every test input.
        message: the verdict as printed.
        mistake: what went wrong, as a short key: a catalogue key (e.g. ``"bootstraps_terminal"``),
            or ``"not_implemented"``, ``"timeout"``, ``"exception"``, ``"mutates_input"``, ``"exits"``,
            ``"signature"``, ``"prints"`` (right, but prints), ``"crashed"``, ``"kind"`` (wrong type,
            shape or dtype), ``"values"``; ``None`` if passed.
        printed: what the learner's code printed while it ran (shown before the verdict).
    """

    exercise: str
    passed: bool
    message: str
    mistake: str | None = None
    printed: str = ""

    @property
    def score(self) -> float:
        """1.0 for a correct answer, 0.0 otherwise: what an autograder adds up."""
        return 1.0 if self.passed else 0.0

    def _ipython_display_(self) -> None:
        """The check already printed its verdict; showing the result again would repeat it."""


class CheckFailed(AssertionError):
    """Raised by a check in grading mode when the answer is wrong (an autograder counts it as failed)."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass(frozen=True)
class Mutant:
    """One entry of a catalogue: a mistake, what to tell the learner, and how to recognise it.

    Attributes:
        key: the mistake's short name (``CheckResult.mistake``).
        hint: what the learner is told.
        fn: an answer with this mistake. Without ``holds`` the mistake is named when the learner's
            code behaves exactly like ``fn``; with ``holds``, ``fn`` is an example the tests use.
        holds: ``holds(have, want, cases) -> bool``, a property of the learner's observations
            ``have`` (one dict per case) beside the reference's ``want``.
    """

    key: str
    hint: str
    fn: Callable
    holds: Callable[[list[dict], list[dict], list[dict]], bool] | None = None


@dataclass(frozen=True)
class Exercise:
    """What a check needs to know about one exercise.

    Attributes:
        name: the exercise (and the function's) name.
        reference: the package's implementation, as ``"module:attribute"`` (imported by name when
            the check runs) or a function returning it (a reference that lives in a catalogue).
        cases: returns fresh, seeded test inputs, one dict of keyword arguments per case,
            the smallest (the one shown in a failure) first.
        observe: runs a function on one case and returns what is compared, by name.
        mutants: returns the catalogue: mutants and properties, tried in order.
        tolerance: absolute and relative tolerance of a value comparison.
        mutable: arguments the function is meant to change in place (others must stay as they were).
        exception_hints: ``(words, hint)`` pairs for errors this exercise's code typically raises,
            tried before the general ones: a hint is given when one of the words is in the error.
    """

    name: str
    reference: str | Callable[[], Callable]
    cases: Callable[[], list[dict]]
    observe: Callable[[Callable, dict], dict]
    mutants: Callable[[], list[Mutant]]
    tolerance: float = 1e-5
    mutable: tuple[str, ...] = ()
    exception_hints: tuple[tuple[tuple[str, ...], str], ...] = ()

    def load_reference(self) -> Callable:
        if callable(self.reference):
            return self.reference()
        module, _, attribute = self.reference.partition(":")
        return getattr(importlib.import_module(module), attribute)


class Wrong(Exception):
    """Raised by an ``observe`` function when the output is structurally wrong (told as is)."""


class _MutatedInput(Exception):
    pass


@dataclass(frozen=True)
class KindOf:
    """An observation compared by its kind (type, shape, dtype) only, e.g. a randomly sampled batch."""

    value: Any

    @property
    def text(self) -> str:
        return kind(self.value)


# --- running a check safely ---------------------------------------------------------------------

def _seed_all(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)


def _child(exercise: Exercise, fn: Callable, conn) -> None:
    """The forked child: run the whole check and send back its verdict."""
    sys.stdout = sys.stderr = io.StringIO()  # nothing may reach the kernel's sockets from here
    if "torch" in sys.modules:
        import torch

        torch.set_num_threads(1)  # a thread pool inherited through fork may not be usable
    try:
        conn.send(_diagnose(exercise, fn, learner_done=lambda: conn.send(_LEARNER_DONE)))
    except BaseException as error:  # noqa: BLE001 - whatever happens, the parent gets a verdict
        conn.send((False, _("the checker itself failed ({error}); please tell your instructor").format(
            error=f"{type(error).__name__}: {error}"), "crashed", ""))
    finally:
        conn.close()


#: sent by the child once the learner's code has run: the deadline covers only that part
_LEARNER_DONE = "learner code finished"
#: seconds left for comparing with the catalogue afterwards (our code, bounded; generous under load)
_DIAGNOSIS_TIMEOUT = 60.0


def _run_forked(exercise: Exercise, fn: Callable, timeout: float) -> tuple[bool, str, str | None, str]:
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
            return (False, _("your function did not finish within {seconds} s, so it was stopped (your kernel "
                             "is fine). Look for a loop that never ends, e.g. a `while` whose condition never "
                             "changes.").format(seconds=f"{timeout:g}"), "timeout", "")
        return (False, _("your code ended the checker's worker process (exit code {code}), e.g. with "
                         "os._exit(); remove that call.").format(code=process.exitcode), "crashed", "")
    finally:
        if process.is_alive():
            process.kill()
        process.join(1.0)
        receive.close()


def _run_threaded(exercise: Exercise, fn: Callable, timeout: float) -> tuple[bool, str, str | None, str]:
    box: list = []
    thread = threading.Thread(target=lambda: box.append(_diagnose(exercise, fn)), daemon=True)
    thread.start()
    thread.join(timeout)
    if box:
        return box[0]
    return (False, _("your function did not finish within {seconds} s (an endless loop?). It may still be "
                     "running in the background: restart the kernel after fixing it.").format(
                         seconds=f"{timeout:g}"), "timeout", "")


#: mistakes that are about running the code, not about the answer: told in full even without reveal
_PLAIN_MISTAKES = ("timeout", "crashed", "exception", "mutates_input", "exits", "signature", "prints")


def _grading_mode(grading: str | None) -> str | None:
    mode = grading if grading is not None else os.environ.get(GRADING_ENV) or None
    if mode is None and os.environ.get(NBGRADER_ENV) in ("autograde", "validate"):
        mode = "raise"
    if mode not in (None, "raise"):
        raise ValueError(_("grading={mode} is not a grading mode: use 'raise' (a wrong answer raises "
                           "CheckFailed) or leave it unset ({variable} sets it for every check)").format(
                               mode=repr(mode), variable=GRADING_ENV))
    return mode


def run_check(exercise: Exercise, fn: Callable, *, timeout: float = DEFAULT_TIMEOUT, quiet: bool = False,
              reveal: bool = True, grading: str | None = None) -> CheckResult:
    """Check ``fn`` against ``exercise``, print the verdict (unless ``quiet``) and return it.

    With ``reveal=False`` (the "find the bug" exercises) a wrong answer is not named: the verdict
    says the bug is still there and shows the failing example, and ``mistake`` still holds the key.
    With ``grading="raise"`` (or ``RLCOURSE_GRADING=raise`` in the environment, or under nbgrader's
    ``autograde`` and ``validate``, which set ``NBGRADER_EXECUTION``) a wrong answer raises
    :class:`CheckFailed` after the verdict is printed, so an autograder counts it.
    """
    mode = _grading_mode(grading)
    try:  # the reference's observations once per kernel, not in every child (forked children inherit them)
        _expected(exercise)
    except Exception:  # noqa: BLE001 - the child reports it as the checker failing
        pass
    _seed_all(CHECK_SEED)
    if "fork" in multiprocessing.get_all_start_methods():
        passed, message, mistake, printed = _run_forked(exercise, fn, timeout)
    else:
        passed, message, mistake, printed = _run_threaded(exercise, fn, timeout)
    if passed:
        text = _("✅ {exercise}: correct, well done! {message}").format(exercise=exercise.name, message=message)
    elif mistake == "not_implemented":
        text = _("⏳ {exercise}: not implemented yet. {message}").format(exercise=exercise.name, message=message)
    elif not reveal and mistake not in _PLAIN_MISTAKES:
        example = message.split("\n", 1)[1] if "\n" in message else ""
        text = _("🐞 {exercise}: the bug is still there; this input still goes wrong (stuck? call the check "
                 "with reveal=True for a hint).\n{example}").format(exercise=exercise.name, example=example).rstrip()
    else:
        text = _("❌ {exercise}: {message}").format(exercise=exercise.name, message=message)
    result = CheckResult(exercise.name, passed, text, mistake, printed)
    if not quiet:
        if printed:
            shown = printed if len(printed) <= _PRINTED_LIMIT else printed[:_PRINTED_LIMIT] + _("\n[... cut]")
            print(_("Your code printed:\n{printed}\n").format(printed=shown.rstrip()))
        print(text)
    if mode == "raise" and not passed:
        raise CheckFailed(result)
    return result


def checker(exercise: Exercise, signature: str) -> Callable[..., CheckResult]:
    """The one way a catalogue declares a check: ``check_td_target = checker(TD_TARGET, "...")``.

    ``signature`` is what the learner writes, e.g. ``"td_target(reward, next_q_values, terminated,
    gamma) -> (batch,)"``; it becomes the check's docstring.
    """

    def check(fn: Callable, *, reveal: bool = True, timeout: float = DEFAULT_TIMEOUT,
              grading: str | None = None) -> CheckResult:
        return run_check(exercise, fn, timeout=timeout, reveal=reveal, grading=grading)

    check.__name__ = check.__qualname__ = f"check_{exercise.name}"
    check.__doc__ = (f"Check ``{signature}``; print the verdict and return a :class:`CheckResult`.\n\n"
                     "``reveal=False`` hides the mistake's name (find the bug); ``grading='raise'`` raises "
                     "CheckFailed on a wrong answer; ``timeout`` is the learner code's deadline in seconds.")
    return check


# --- comparing outputs ----------------------------------------------------------------------------

def is_tensor(value) -> bool:
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def kind(value) -> str:
    """The kind of a value, as said to a learner: type, and shape and dtype where it has them."""
    if value is None:
        return "None"
    if isinstance(value, KindOf):
        return value.text
    if is_tensor(value):
        return _("a tensor of shape {shape} and dtype {dtype}").format(shape=tuple(value.shape), dtype=value.dtype)
    if isinstance(value, np.ndarray):
        return _("a numpy array of shape {shape} and dtype {dtype}").format(shape=value.shape, dtype=value.dtype)
    if isinstance(value, (bool, np.bool_)):
        return _("a bool")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _("a number")
    if isinstance(value, (list, tuple)) and value and all(is_tensor(v) for v in value):
        return _("a {type} of {count} tensors of shapes {shapes}").format(
            type=type(value).__name__, count=len(value), shapes=[tuple(v.shape) for v in value])
    return _("a {type}").format(type=type(value).__name__)


def as_array(value) -> np.ndarray:
    if is_tensor(value):
        return value.detach().cpu().double().numpy()
    if isinstance(value, (list, tuple)) and value and all(is_tensor(v) for v in value):
        return np.concatenate([as_array(v).reshape(-1) for v in value])
    return np.asarray(value, dtype=float)


def close(a, b, tolerance: float) -> bool:
    if isinstance(a, KindOf) or isinstance(b, KindOf):
        return kind(a) == kind(b)
    if isinstance(a, (bool, np.bool_, str)) or isinstance(b, (bool, np.bool_, str)):
        return a == b
    try:
        a, b = as_array(a), as_array(b)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, atol=tolerance, rtol=tolerance, equal_nan=True))


def same(a, b) -> bool:
    """Exact equality of two inputs (arrays, tensors, modules, numbers), for the mutation check."""
    if hasattr(a, "state_dict") and hasattr(b, "state_dict"):
        sa, sb = a.state_dict(), b.state_dict()
        return sa.keys() == sb.keys() and all(same(sa[k], sb[k]) for k in sa)
    if isinstance(a, np.ndarray):  # the common case, checked after every call: kept cheap
        return (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=True)))
    if is_tensor(a):
        # requires_grad_() on an input is a change in place too: the caller's tensor starts recording
        return (is_tensor(b) and kind(a) == kind(b) and a.requires_grad == b.requires_grad
                and bool((as_array(a) == as_array(b)).all()))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
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
    check_unchanged(case, inputs, mutable)
    return output, inputs


def check_unchanged(case: dict, inputs: dict, mutable: tuple[str, ...] = ()) -> None:
    for name, value in case.items():
        if name not in mutable and not same(value, inputs[name]):
            raise _MutatedInput(name)


def _is_integral(value) -> bool:
    if is_tensor(value):
        return not (value.dtype.is_floating_point or value.dtype.is_complex)
    return isinstance(value, np.ndarray) and value.dtype.kind in "biu"


def fmt(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, KindOf):
        return value.text
    if is_tensor(value) or isinstance(value, np.ndarray):
        array = as_array(value)
        if _is_integral(value):  # actions and indices are shown as the ints they are
            text = np.array2string(array.astype(np.int64), separator=", ", threshold=12, max_line_width=10_000)
        else:
            text = np.array2string(np.round(array, 4), precision=4, separator=", ", threshold=12,
                                   suppress_small=True, max_line_width=10_000)
        text = " ".join(text.split())  # a table on one line: "[[0.0, 1.0], [2.0, -1.0]]"
        return f"tensor({text})" if is_tensor(value) else text
    if isinstance(value, (float, np.floating)):
        return repr(round(float(value), 4))
    if isinstance(value, np.integer):
        return repr(int(value))
    if isinstance(value, (list, tuple)) and value and all(is_tensor(v) for v in value):
        return "[" + ", ".join(fmt(v) for v in value) + "]"
    return repr(value)


def _network(module) -> str:
    """A network as a learner would sketch it: its linear layers' sizes, e.g. 'a network 3 → 4 → 2'."""
    sizes = []
    for layer in module.modules():
        if hasattr(layer, "in_features") and hasattr(layer, "out_features"):
            sizes = sizes or [layer.in_features]
            sizes.append(layer.out_features)
    if sizes:
        return _("a network {sizes}").format(sizes=" → ".join(map(str, sizes)))
    return _("a {type}").format(type=type(module).__name__)


def short(value) -> str:
    """``fmt`` of a value, or just its kind when that would not fit on a line."""
    if hasattr(value, "state_dict") and hasattr(value, "parameters"):
        return _network(value)
    text = fmt(value)
    if len(text) <= 100:
        return text
    if isinstance(value, list):
        return _("a list of {count} items").format(count=len(value)) + (f" ({type(value[0]).__name__})" if value else "")
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return _("a {type} of {count}").format(type=type(value).__name__, count=len(value[0]))
    return kind(value)


def describe_case(case: dict) -> str:
    """The inputs of a case on one line (optimizers, generators and callables left out)."""
    parts = []
    for name, value in case.items():
        is_module = hasattr(value, "state_dict") and hasattr(value, "parameters")
        if not is_module and (hasattr(value, "state_dict") or isinstance(value, np.random.Generator)
                              or callable(value)):
            continue
        parts.append(f"{name}={short(value)}")
    return ", ".join(parts)


def _learner_frames(error: BaseException) -> list[traceback.FrameSummary]:
    return [f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith(_COURSE_DIR)
            and "site-packages" not in f.filename and "/lib/python" not in f.filename]


def _short_traceback(error: BaseException) -> str:
    """The learner's own frames (not the checker's, torch's or numpy's), as 'line N: source', and the error."""
    lines = []
    for frame in _learner_frames(error)[-3:]:
        source = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
        lines.append(_("    in {function}, line {line}: {source}").format(function=frame.name, line=frame.lineno,
                                                                          source=source))
    lines.append(f"    {type(error).__name__}: {error}")
    return "\n".join(lines)


#: hints for errors any exercise's code may raise, after the exercise's own; each names a cause
_GENERAL_HINTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("assertionerror",), N_("an `assert` in your code failed on the valid input above: remove it, or let it "
                             "accept every value the exercise allows")),
    (("bitwise_not", "~", "invert"), N_("~ is a bitwise not: on a float tensor it fails and on a Python bool "
                                        "~False is −1; write the mask as (1 − terminated)")),
    (("boolean value of tensor",), N_("a Python `if` (or `and`/`or`) met a tensor of many values; work on the "
                                      "whole batch with arithmetic instead, e.g. multiply by (1 − terminated)")),
    (("inference tensors",), N_("a tensor made under torch.inference_mode() cannot be used where autograd "
                                "needs it; use torch.no_grad() instead")),
    (("does not require grad", "does not have a grad_fn"),
     N_("a value you differentiate has no graph: it was detached, made under torch.no_grad(), or turned into "
        "a number; keep the computation in torch tensors from the parameters to the result")),
    (("expected scalar type", "dtype", "must have the same dtype"),
     N_("two tensors have different dtypes: print `.dtype` of each on that line")),
    (("must match the size", "shape", "size of tensor", "broadcast", "dimension", "mat1 and mat2"),
     N_("the shapes of two values do not fit together: print `.shape` of each on that line")),
    (("out of bounds", "out of range"), N_("an index is out of range: print the index and the shape it indexes")),
)


def _exception_hint(exercise: Exercise, error: BaseException) -> str:
    text = f"{type(error).__name__} {error}".lower()
    for words, hint in exercise.exception_hints + _GENERAL_HINTS:
        if any(word in text for word in words):
            return _(hint)
    return _("read the last line of the traceback: it says what went wrong and where")


def _signature(fn: Callable) -> str:
    """``name(a, b, c)``: the parameter names only, as a learner compares them."""
    try:
        names = ", ".join(("*" if p.kind is p.VAR_POSITIONAL else "**" if p.kind is p.VAR_KEYWORD else "") + p.name
                          for p in inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return repr(fn)
    return f"{getattr(fn, '__name__', 'function')}({names})"


def _is_call_error(error: BaseException) -> bool:
    """A TypeError raised by the call itself: the learner's function does not take the given arguments."""
    frames = traceback.extract_tb(error.__traceback__)
    return (isinstance(error, TypeError) and bool(frames) and frames[-1].filename.startswith(_PACKAGE_DIR)
            and "argument" in str(error))


def _learner_run(exercise: Exercise, fn: Callable, cases: list[dict], printed: io.StringIO):
    """Observe the learner's code on every case, its prints kept apart; (observations, error or None)."""
    got = []
    try:
        # stdout only: warnings (torch's, numpy's) go to stderr and are no print() of the learner's
        with redirect_stdout(printed), redirect_stderr(io.StringIO()):
            for case in cases:
                got.append(exercise.observe(fn, case))
        return got, None
    except SystemExit as error:  # sys.exit() or exit() in the learner's code
        return got, error
    except Exception as error:  # noqa: BLE001 - the learner's error, reported kindly
        return got, error


#: the reference's observations of each exercise (keyed by the frozen Exercise itself, never by an id a
#: later object could reuse)
_EXPECTED: dict[Exercise, list[dict]] = {}


def _expected(exercise: Exercise) -> list[dict]:
    """What the reference gives on each case: seeded, so computed once and kept."""
    if exercise not in _EXPECTED:
        reference = exercise.load_reference()
        _seed_all(CHECK_SEED)
        _EXPECTED[exercise] = [exercise.observe(reference, case) for case in exercise.cases()]
    return _EXPECTED[exercise]


def _diagnose(exercise: Exercise, fn: Callable,
              learner_done: Callable[[], None] = lambda: None) -> tuple[bool, str, str | None, str]:
    """Compare ``fn`` with the reference; return (passed, message, mistake, printed).

    ``learner_done`` is called once the learner's code has run on every case (or failed).
    """
    if not callable(fn):
        return False, _("expected a function or class, got {kind}.").format(kind=kind(fn)), "kind", ""
    reference = exercise.load_reference()
    cases = exercise.cases()
    expected = _expected(exercise)
    _seed_all(CHECK_SEED)
    printed = io.StringIO()
    got, error = _learner_run(exercise, fn, cases, printed)
    learner_done()
    text = printed.getvalue()
    if error is not None:
        done = len(got)
        if done and isinstance(error, Exception) and not isinstance(error, (NotImplementedError, _MutatedInput, Wrong)) \
                and _first_mismatch(exercise, expected[:done], got) is not None:
            # a smaller input already went wrong: if the catalogue names that, it is the verdict
            passed, message, mistake = _diagnose_outputs(exercise, cases[:done], expected[:done], got)
            if mistake not in ("values", "kind"):
                return passed, message, mistake, text
        passed, message, mistake = _diagnose_error(exercise, reference, fn, cases, done, error)
        return passed, message, mistake, text
    order = _parameter_order(reference, fn)
    if order:
        return False, order, "signature", text
    passed, message, mistake = _diagnose_outputs(exercise, cases, expected, got)
    errors = [(index, run["_error"]) for index, run in enumerate(got) if "_error" in run]
    if mistake in ("values", "kind") and errors:  # nothing named it: the error an observation kept is told
        passed, message, mistake = _diagnose_error(exercise, reference, fn, cases, *errors[0])
    if passed and text:
        # a training loop calls the function thousands of times: a print left in floods the notebook
        return False, _("your function gives the right results on every test input, but it prints (shown "
                        "above), and a training loop calls it thousands of times: remove the print() once you "
                        "are done debugging."), "prints", text
    return passed, message, mistake, text


def _parameter_order(reference: Callable, fn: Callable) -> str | None:
    """A verdict when ``fn`` takes the reference's parameters in another order (a positional call breaks)."""
    try:
        ours, theirs = inspect.signature(reference).parameters, inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return None
    if inspect.isclass(reference):
        return None
    if list(theirs) != list(ours) and sorted(theirs) == sorted(ours):
        return _("your function takes its parameters in another order than the exercise gives, so a call with "
                 "positional arguments mixes them up: keep the given signature, {signature}; yours is "
                 "{yours}.").format(signature=_signature(reference), yours=_signature(fn))
    return None


def _diagnose_error(exercise: Exercise, reference: Callable, fn: Callable, cases: list[dict], index: int,
                    error: BaseException) -> tuple[bool, str, str | None]:
    if isinstance(error, NotImplementedError):
        return False, _("Replace the `raise NotImplementedError(...)` line with your code, then run this "
                        "check again."), "not_implemented"
    if isinstance(error, SystemExit):
        return False, _("your code called sys.exit() (or exit()), which would end a script; a function "
                        "returns its result instead: remove that call."), "exits"
    if isinstance(error, _MutatedInput):
        return False, _("your function changes its input `{name}` in place. Leave the inputs as they are: "
                        "compute new values (e.g. `x = x * 2` rather than `x *= 2`).").format(name=error), \
            "mutates_input"
    if isinstance(error, Wrong):
        return False, str(error), "kind"
    if _is_call_error(error):
        return False, _("your function cannot be called the way the exercise calls it ({error}): keep the given "
                        "signature, {signature}; yours is {yours}.").format(
                            error=error, signature=_signature(reference), yours=_signature(fn)), "signature"
    hint, key = _exception_hint(exercise, error), "exception"
    for mutant in exercise.mutants():
        if mutant.holds is None and _fails_the_same_way(exercise, mutant.fn, cases, index, error):
            hint, key = mutant.hint, mutant.key
            break
    return False, _("your function raised an error on the inputs\n    {inputs}\n{traceback}\n  Hint: {hint}.").format(
        inputs=describe_case(cases[index]), traceback=_short_traceback(error), hint=_(hint)), key


def _fails_the_same_way(exercise: Exercise, fn: Callable, cases: list[dict], index: int,
                        error: BaseException) -> bool:
    """Whether a mutant runs the cases before ``index`` and then raises this error, type and message."""
    _seed_all(CHECK_SEED)
    try:
        for case in cases[: index + 1]:
            exercise.observe(fn, case)
    except Exception as theirs:  # noqa: BLE001 - how a mutant fails is part of its behaviour
        return type(theirs) is type(error) and str(theirs) == str(error)
    return False


def _diagnose_outputs(exercise: Exercise, cases: list[dict], expected: list[dict],
                      got: list[dict]) -> tuple[bool, str, str | None]:
    mismatch = _first_mismatch(exercise, expected, got)
    if mismatch is None:
        return True, _("({count} test inputs)").format(count=len(cases)), None
    index, name, kinds = mismatch
    want, have = expected[index][name], got[index].get(name)
    for mutant in exercise.mutants():
        if mutant.holds is not None:
            try:
                named = bool(mutant.holds(got, expected, cases))
            except Exception:  # noqa: BLE001 - a property that cannot be evaluated does not hold
                named = False
        else:
            named = _behaves_like(exercise, mutant.fn, cases, got)
        if named:
            return False, failure(mutant.hint, cases[index], name, want, have, kinds=kinds), mutant.key
    hint = None if kinds else _relation(want, have)
    return False, failure(hint, cases[index], name, want, have, kinds=kinds), "kind" if kinds else "values"


def _relation(want, have) -> str | None:
    """How a wrong output relates to the right one, when it is simply a multiple of it (a sign, a factor)."""
    try:
        a, b = as_array(want).reshape(-1), as_array(have).reshape(-1)
    except (TypeError, ValueError):
        return None
    if a.shape != b.shape or not np.any(np.abs(a) > 1e-6) or not np.all(np.isfinite(b)):
        return None
    factor = float(a @ b / (a @ a))
    if not np.allclose(b, factor * a, atol=1e-5, rtol=1e-4) or abs(factor - 1.0) < 1e-4:
        return None
    if abs(factor + 1.0) < 1e-4:
        return _("your output is minus the expected one: a sign is flipped somewhere")
    return _("your output is {factor} × the expected one on the input below: a factor is missing or extra (a sum "
             "for a mean, a step size or discount used twice or not at all?)").format(factor=f"{factor:.4g}")


def _first_mismatch(exercise: Exercise, expected: list[dict], got: list[dict]) -> tuple[int, str, bool] | None:
    """The first (case index, observation, is a kind mismatch) where the learner differs; cases smallest first."""
    for index, (want, have) in enumerate(zip(expected, got)):
        for name in _compared(want):
            kinds = kind(have.get(name)) != kind(want[name])
            if kinds or not close(have[name], want[name], exercise.tolerance):
                return index, name, kinds
    return None


def _compared(observed: dict) -> list[str]:
    """The observations compared with the reference; a name starting with "_" is for properties only."""
    return [name for name in observed if not name.startswith("_")]


def _behaves_like(exercise: Exercise, fn: Callable, cases: list[dict], got: list[dict]) -> bool:
    _seed_all(CHECK_SEED)
    try:
        outputs = [exercise.observe(fn, case) for case in cases]
    except Exception:  # noqa: BLE001 - a mutant that fails cannot match outputs that did not
        return False
    return all(kind(h.get(name)) == kind(o[name]) and close(h.get(name), o[name], exercise.tolerance)
               for h, o in zip(got, outputs) for name in _compared(o))


def _wrong_part(want, have) -> str | None:
    """Which entries of an array-like output are wrong, when only some are: '(wrong at [1] only)'."""
    if isinstance(want, (list, tuple)):  # several tensors: an index into their concatenation says nothing
        return None
    try:
        a, b = as_array(want), as_array(have)
    except (TypeError, ValueError):
        return None
    if a.shape != b.shape or a.size < 2:
        return None
    wrong = ~np.isclose(a, b, atol=1e-5, rtol=1e-5, equal_nan=True)
    positions = [list(map(int, p)) if len(p) > 1 else int(p[0]) for p in np.argwhere(wrong)]
    if not positions or len(positions) == a.size:
        return None
    shown = ", ".join(str(p) for p in positions[:4]) + (" ..." if len(positions) > 4 else "")
    return _("  wrong at index {positions}; the other {count} entries are right").format(
        positions=shown, count=a.size - len(positions))


def _cut(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 5] + " ...]"


def failure(hint: str | None, case: dict, name: str, want, have, *, kinds: bool = False) -> str:
    """A verdict's body: the hint, the smallest failing input, and what differs in the output."""
    if hint is None:
        hint = (_("the kind of output differs from what was expected") if kinds else
                _("the values differ from the expected ones on the input below"))
    lines = [_("{hint}.").format(hint=_(hint))]
    example = describe_case(case)
    if example:
        lines.append(_("  Example: {inputs}").format(inputs=example))
    expected, yours = _("  expected {name}: {value}"), _("  yours:   {value}")
    if kinds:
        lines += [expected.format(name=_(name), value=kind(want)), yours.format(value=kind(have))]
    else:
        lines += [expected.format(name=_(name), value=_cut(fmt(want))), yours.format(value=_cut(fmt(have)))]
        part = _wrong_part(want, have)
        if part:
            lines.append(part)
    return "\n".join(lines)


# --- helpers catalogues share -------------------------------------------------------------------

def observe_output(fn: Callable, case: dict) -> dict:
    output, _inputs = call(fn, case)
    return {N_("output"): output}


def ratio_everywhere(have, want, ratio: float, tolerance: float = 1e-4) -> bool:
    """Whether ``have`` is ``ratio`` times ``want`` (same shape), where ``want`` is not zero."""
    try:
        a, b = as_array(have), as_array(want)
    except (TypeError, ValueError):
        return False
    if a.shape != b.shape or not np.any(np.abs(b) > tolerance):
        return False
    return bool(np.allclose(a, ratio * b, atol=tolerance, rtol=tolerance))


def flat(module) -> Any:
    """All parameters of a network in one detached vector, for comparing networks."""
    import torch

    return torch.cat([p.detach().reshape(-1) for p in module.parameters()]).clone()
