"""Tests of rlcourse.checks: the reference passes, every mutant fails with its own hint, and the
learner's code cannot hang or break a check (timeouts, exceptions, mutation, not implemented)."""

import os
import threading
import time

import importlib.util

import numpy as np
import pytest

from rlcourse import checks, tabular

HAS_DDPG = importlib.util.find_spec("rlcourse.ddpg") is not None
EXERCISES = [checks.EPSILON_GREEDY, checks.Q_LEARNING_UPDATE, checks.SARSA_UPDATE, checks.REPLAY_BUFFER,
             checks.TD_TARGET, checks.DQN_LOSS, checks.HARD_UPDATE, checks.SOFT_UPDATE,
             checks.LOSS_FROM_BATCH, checks.COLLECT_EPISODE, checks.TRAIN_STEPS]
# their references live in rlcourse.ddpg, which the DDPG chapter provides
DDPG_EXERCISES = [checks.CRITIC_TARGET, checks.ACTOR_LOSS, checks.SCALE_ACTION, checks.SELECT_ACTION]
NEEDS_DDPG = pytest.mark.skipif(not HAS_DDPG, reason="rlcourse.ddpg (the references) is not there yet")
ALL = [pytest.param(e, id=e.name) for e in EXERCISES] + [pytest.param(e, id=e.name, marks=NEEDS_DDPG)
                                                         for e in DDPG_EXERCISES]


def mutant_params():
    params = [pytest.param(exercise, mutant, id=f"{exercise.name}-{mutant.key}")
              for exercise in EXERCISES for mutant in exercise.mutants()]
    if HAS_DDPG:
        params += [pytest.param(exercise, mutant, id=f"{exercise.name}-{mutant.key}")
                   for exercise in DDPG_EXERCISES for mutant in exercise.mutants()]
    return params


# Each check compares the learner's function with its exercise's reference, so the reference must
# be right: most are the package's own functions, tested by hand in tests/test_<module>.py
PACKAGE_REFERENCES = {
    "epsilon_greedy": ("rlcourse.tabular", "epsilon_greedy"),
    "q_learning_update": ("rlcourse.tabular", "q_learning_update"),
    "sarsa_update": ("rlcourse.tabular", "sarsa_update"),
    "ReplayBuffer": ("rlcourse.replay", "ReplayBuffer"), "td_target": ("rlcourse.dqn", "td_target"),
    "dqn_loss": ("rlcourse.dqn", "dqn_loss"), "hard_update": ("rlcourse.networks", "hard_update"),
    "soft_update": ("rlcourse.networks", "soft_update"),
    "critic_target": ("rlcourse.ddpg", "critic_target"), "actor_loss": ("rlcourse.ddpg", "actor_loss"),
    "scale_action": ("rlcourse.ddpg", "scale_action"),
}


@pytest.mark.parametrize("exercise", ALL)
def test_each_reference_is_the_package_function_or_checked_by_hand(exercise):
    import importlib

    if exercise.name in PACKAGE_REFERENCES or exercise.name == "replay_buffer":
        module, name = PACKAGE_REFERENCES.get(exercise.name, ("rlcourse.replay", "ReplayBuffer"))
        assert exercise.reference() is getattr(importlib.import_module(module), name)
    else:
        assert exercise.name in HAND_CHECKED, f"{exercise.name}: its reference is checked nowhere"
        HAND_CHECKED[exercise.name](exercise.reference())


def _check_loss_from_batch(reference):
    # y = r + γ (1 − terminated) max Q_target(s', ·) without gradient; Huber mean of Q(s, a) − y
    import torch

    torch.manual_seed(0)
    q_network, target_q_network = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)
    batch = checks._transitions(3)
    with torch.no_grad():
        y = batch.reward + 0.9 * (1 - batch.terminated) * target_q_network(batch.next_obs).max(1).values
        x = q_network(batch.obs)[torch.arange(8), batch.action] - y
        expected = torch.where(x.abs() <= 1, x ** 2 / 2, x.abs() - 0.5).mean()
    loss = reference(q_network, target_q_network, batch, 0.9)
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    loss.backward()
    assert target_q_network.weight.grad is None and q_network.weight.grad is not None


def _check_collect_episode(reference):
    # CartPole cut at 5 steps, always pushing left: it falls after 9 or 10 steps, so the episode
    # is the 5 transitions up to the cut, each reward 1, only the last truncated
    import gymnasium as gym

    from rlcourse.replay import ReplayBuffer

    buffer = ReplayBuffer(10, obs_shape=(4,), seed=0)
    episode_return = reference(gym.make("CartPole-v1", max_episode_steps=5), lambda obs: 0, buffer, 0)
    assert episode_return == 5.0 and len(buffer) == 5
    assert buffer.truncated[:5].tolist() == [0, 0, 0, 0, 1] and buffer.terminated[:5].sum() == 0
    assert np.array_equal(buffer.obs[1:5], buffer.next_obs[:4])
    assert np.array_equal(buffer.obs[0], gym.make("CartPole-v1").reset(seed=0)[0])


def _check_train_steps(reference):
    # six updates, the target synced every 4: at step 4 only, so after step 6 it holds step 4's θ
    import copy

    import torch

    case = checks._train_steps_cases()[0]
    runs = {}
    for steps in (4, 6):
        inputs = copy.deepcopy(case)
        reference(**{**inputs, "batches": inputs["batches"][:steps], "target_update_every": 4})
        runs[steps] = inputs
    online_4 = [p.detach() for p in runs[4]["q_network"].parameters()]
    assert all(torch.equal(a, b) for a, b in zip(runs[4]["target_q_network"].parameters(), online_4))
    assert all(torch.equal(a, b) for a, b in zip(runs[6]["target_q_network"].parameters(), online_4))
    assert not torch.equal(runs[6]["q_network"][0].weight, online_4[0])


def _check_select_action(reference):
    # a = scale(clip(μ_raw(s) + σ ε, −1, 1)) with ε ~ N(0, 1) from rng: here μ_raw = tanh(0) = 0
    import torch

    actor_net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh())
    with torch.no_grad():
        actor_net[0].weight.zero_()
        actor_net[0].bias.zero_()
    obs = np.zeros(3, dtype=np.float32)
    low, high = np.array([-1.0, 0.0]), np.array([3.0, 10.0])
    noise = 0.3 * np.random.default_rng(0).standard_normal(2)
    expected = low + (np.clip(noise, -1, 1) + 1) * (high - low) / 2
    action = reference(actor_net, obs, low, high, 0.3, np.random.default_rng(0))
    assert np.allclose(action, expected)
    assert np.allclose(reference(actor_net, obs, low, high, 0.0, np.random.default_rng(0)), [1.0, 5.0])


HAND_CHECKED = {"loss_from_batch": _check_loss_from_batch, "collect_episode": _check_collect_episode,
                "train_steps": _check_train_steps, "select_action": _check_select_action}


@pytest.mark.parametrize("exercise", ALL)
def test_the_reference_passes(exercise, capsys):
    result = checks.run_check(exercise, exercise.reference())
    assert result.passed and result.mistake is None
    assert result.message.startswith(f"✅ {exercise.name}: correct")
    assert capsys.readouterr().out == result.message + "\n"


@pytest.mark.parametrize("exercise", ALL)
def test_each_mutant_key_and_hint_is_its_own(exercise):
    mutants = exercise.mutants()
    assert len({m.key for m in mutants}) == len(mutants)
    assert len({m.hint for m in mutants}) == len(mutants)


@pytest.mark.parametrize("exercise, mutant", mutant_params())
def test_every_mutant_fails_with_its_own_hint(exercise, mutant):
    result = checks.run_check(exercise, mutant.fn, quiet=True)
    assert not result.passed
    assert result.mistake == mutant.key, result.message
    assert mutant.hint in result.message
    # and a concrete case: an example with what was expected, or the inputs it raised on
    assert ("Example:" in result.message or "expected" in result.message
            or "raised an error on the inputs" in result.message)


def test_a_failure_shows_one_small_example():
    wrong = checks.Q_LEARNING_UPDATE.mutants()[0].fn  # bootstraps through terminal transitions
    message = checks.run_check(checks.Q_LEARNING_UPDATE, wrong, quiet=True).message
    # the terminal case: r = -1, Q(1, 0) = 2, so td_error = -1 - 2 = -3; bootstrapping adds 0.9 * 3
    assert "terminated=True" in message
    assert "expected returned td_error: -3.0" in message
    assert "yours:   -0.3" in message


def test_not_implemented_is_reported_cleanly(capsys):
    def q_learning_update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma):
        raise NotImplementedError("your code here")

    result = checks.check_q_learning_update(q_learning_update)
    assert not result.passed and result.mistake == "not_implemented"
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "Traceback" not in out


def test_an_endless_loop_gets_a_timeout_verdict_and_the_kernel_lives_on():
    def q_learning_update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma):
        while True:
            pass

    start = time.perf_counter()
    result = checks.run_check(checks.Q_LEARNING_UPDATE, q_learning_update, timeout=1.0, quiet=True)
    assert time.perf_counter() - start < 1.0 + 2.0
    assert result.mistake == "timeout" and "did not finish within 1 s" in result.message
    # this process (the "kernel") still works, and the next check runs normally
    assert checks.run_check(checks.Q_LEARNING_UPDATE, tabular.q_learning_update, quiet=True).passed


def test_the_threaded_fallback_also_keeps_to_the_deadline(monkeypatch):
    monkeypatch.setattr(checks.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert checks.run_check(checks.SARSA_UPDATE, tabular.sarsa_update, quiet=True).passed
    stop = []

    def sarsa_update(**inputs):
        while not stop:
            time.sleep(0.01)

    threads_before = set(threading.enumerate())
    start = time.perf_counter()
    result = checks.run_check(checks.SARSA_UPDATE, sarsa_update, timeout=0.5, quiet=True)
    stop.append(True)  # let the runaway thread end
    assert time.perf_counter() - start < 0.5 + 2.0 and result.mistake == "timeout"
    # wait for it: a thread still running when a later test forks a checker child can hold a lock
    # (a random generator's, say) that the child then waits on forever
    for thread in set(threading.enumerate()) - threads_before:
        thread.join(10.0)
        assert not thread.is_alive(), "the runaway learner thread did not end after being told to"


def test_exiting_the_worker_is_reported():
    def epsilon_greedy(q_values, epsilon, rng):
        os._exit(3)

    result = checks.run_check(checks.EPSILON_GREEDY, epsilon_greedy, quiet=True)
    assert result.mistake == "crashed" and "exit code 3" in result.message, result.message


def test_an_exception_gets_a_short_traceback_and_a_hint():
    def q_learning_update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma):
        return q_table[obs, action, next_obs]

    result = checks.run_check(checks.Q_LEARNING_UPDATE, q_learning_update, quiet=True)
    assert result.mistake == "exception"
    assert "in q_learning_update, line " in result.message
    assert ": return q_table[obs, action, next_obs]" in result.message
    assert "IndexError" in result.message and "Hint:" in result.message
    assert "checks.py" not in result.message  # only the learner's own frames


def test_a_function_that_changes_its_inputs_is_told_so():
    def epsilon_greedy(q_values, epsilon, rng):
        q_values -= q_values.max()  # in place: the caller's array changes
        return int(np.argmax(q_values))

    result = checks.run_check(checks.EPSILON_GREEDY, epsilon_greedy, quiet=True)
    assert result.mistake == "mutates_input" and "`q_values` in place" in result.message


def test_prints_inside_the_learner_code_do_not_leak(capsys):
    def sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma):
        print("debugging")
        return tabular.sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma)

    assert checks.check_sarsa_update(sarsa_update).passed
    assert "debugging" not in capsys.readouterr().out


def test_random_state_is_set_before_each_check():
    seen = []

    def q_learning_update(q_table, obs, action, reward, next_obs, terminated, alpha, gamma):
        if not seen:
            seen.append(np.random.random())
            raise ValueError(repr(seen[0]))
        return 0.0

    first = checks.run_check(checks.Q_LEARNING_UPDATE, q_learning_update, quiet=True).message
    np.random.random(100)  # the caller's random state moves on ...
    second = checks.run_check(checks.Q_LEARNING_UPDATE, q_learning_update, quiet=True).message
    assert first == second  # ... and the check still sees the same draws (the child starts afresh)
    np.random.seed(checks.CHECK_SEED)
    assert repr(np.random.random()) in first


def test_a_wrong_return_type_is_named_before_values():
    def epsilon_greedy(q_values, epsilon, rng):
        return np.array([int(np.argmax(q_values))])

    result = checks.run_check(checks.EPSILON_GREEDY, epsilon_greedy, quiet=True)
    assert result.mistake == "kind" and "an action is one int" in result.message


def test_the_result_is_not_shown_twice_in_a_notebook():
    # the check printed its verdict already; IPython's display of the returned result adds nothing
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()
    assert formatter.format(checks.CheckResult("x", True, "✅ x")) == ({}, {})
    assert formatter.format(object())[0]  # what an ordinary object would show


def test_a_broadcast_target_names_its_shape():
    broadcast = {m.key: m for m in checks.TD_TARGET.mutants()}["broadcast_batch_batch"].fn
    message = checks.run_check(checks.TD_TARGET, broadcast, quiet=True).message
    assert "your shapes broadcast to (batch, batch)" in message
    assert "expected output: a tensor of shape (3,) and dtype torch.float32" in message
    assert "yours:   a tensor of shape (3, 3)" in message


def test_a_known_mistake_that_raises_is_still_named():
    wrong_axis = {m.key: m for m in checks.TD_TARGET.mutants()}["max_over_batch"].fn
    result = checks.run_check(checks.TD_TARGET, wrong_axis, quiet=True)
    assert result.mistake == "max_over_batch"
    assert "RuntimeError" in result.message and "dim=1" in result.message


def test_an_in_place_target_is_a_mutation():
    import torch

    def td_target(reward, next_q_values, terminated, gamma):
        reward += gamma * (1 - terminated) * next_q_values.max(dim=1).values
        return reward

    result = checks.run_check(checks.TD_TARGET, td_target, quiet=True)
    assert result.mistake == "mutates_input" and "`reward`" in result.message
    assert torch.is_tensor(checks.TD_TARGET.cases()[0]["reward"])


def test_find_the_bug_checks_do_not_name_the_bug_unless_asked():
    bug = {m.key: m for m in checks.LOSS_FROM_BATCH.mutants()}["gradients_into_target"]
    hidden = checks.run_check(checks.LOSS_FROM_BATCH, bug.fn, quiet=True, reveal=False)
    assert hidden.mistake == "gradients_into_target" and not hidden.passed
    assert hidden.message.startswith("🐞 loss_from_batch: the bug is still there")
    assert bug.hint not in hidden.message
    assert "expected the target network gets gradients: False" in hidden.message
    shown = checks.run_check(checks.LOSS_FROM_BATCH, bug.fn, quiet=True, reveal=True)
    assert bug.hint in shown.message


def test_long_inputs_are_summarised_in_the_example():
    bug = {m.key: m for m in checks.TRAIN_STEPS.mutants()}["never_updated"]
    message = checks.run_check(checks.TRAIN_STEPS, bug.fn, quiet=True).message
    assert "batches=a list of 6 items (Batch)" in message
    example = next(line for line in message.splitlines() if "Example:" in line)
    assert len(example) < 200


def test_in_a_jupyter_kernel_an_endless_loop_times_out_and_the_kernel_lives_on():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
                    "import time\n"
                    "import torch\n"
                    "from rlcourse.checks import check_td_target\n"
                    "def td_target(reward, next_q_values, terminated, gamma):\n"
                    "    while True:\n"
                    "        pass\n"
                    "start = time.perf_counter()\n"
                    "result = check_td_target(td_target, timeout=1)\n"
                    "print(time.perf_counter() - start < 1 + 2)"),
                nbformat.v4.new_code_cell("print('kernel alive', result.mistake)")]
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    first = "".join(output.get("text", "") for output in nb.cells[0].outputs)
    assert "did not finish within 1 s" in first and first.strip().endswith("True")
    assert nb.cells[1].outputs[0]["text"] == "kernel alive timeout\n"


def test_the_deadline_covers_the_learner_code_not_the_diagnosis():
    def slow_mutant(x):  # a catalogue entry that takes longer than the learner's deadline
        time.sleep(1.5)
        return x + 1

    exercise = checks.Exercise(name="add_one_or_not", reference=lambda: (lambda x: x),
                               cases=lambda: [dict(x=1.0)], observe=checks._observe_output,
                               mutants=lambda: [checks.Mutant("plus_one", "you added one", slow_mutant)])
    result = checks.run_check(exercise, lambda x: x + 1, timeout=1.0, quiet=True)
    assert result.mistake == "plus_one" and "you added one" in result.message
