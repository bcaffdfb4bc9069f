"""Tests of rlcourse.checks: the reference passes, every mutant fails with its own hint, and the
learner's code cannot hang or break a check (timeouts, exceptions, mutation, not implemented)."""

import os
import threading
import time

import numpy as np
import pytest

from rlcourse import checks, tabular
from rlcourse.checks import engine

ALL = [pytest.param(e, id=e.name) for e in checks.EXERCISES]


def mutant_params():
    return [pytest.param(exercise, mutant, id=f"{exercise.name}-{mutant.key}")
            for exercise in checks.EXERCISES for mutant in exercise.mutants()]


# Each check compares the learner's function with its exercise's reference, so the reference must
# be right: the package's own functions are tested by hand in tests/test_<module>.py, and the
# others (chapters 03 and 05's own exercises, the find-the-bug snippets) are checked by hand here.
PACKAGE_REFERENCES = {
    "epsilon_greedy": "rlcourse.tabular:epsilon_greedy",
    "q_learning_update": "rlcourse.tabular:q_learning_update",
    "sarsa_update": "rlcourse.tabular:sarsa_update",
    "ReplayBuffer": "rlcourse.replay:ReplayBuffer", "td_target": "rlcourse.dqn:td_target",
    "dqn_loss": "rlcourse.dqn:dqn_loss", "hard_update": "rlcourse.networks:hard_update",
    "soft_update": "rlcourse.networks:soft_update",
    "critic_target": "rlcourse.ddpg:critic_target", "actor_loss": "rlcourse.ddpg:actor_loss",
    "scale_action": "rlcourse.ddpg:scale_action",
}


@pytest.mark.parametrize("exercise", ALL)
def test_each_reference_is_the_package_function_or_checked_by_hand(exercise):
    import importlib

    if exercise.name in PACKAGE_REFERENCES:
        module, name = PACKAGE_REFERENCES[exercise.name].split(":")
        assert exercise.load_reference() is getattr(importlib.import_module(module), name)
    else:
        assert exercise.name in HAND_CHECKED, f"{exercise.name}: its reference is checked nowhere"
        HAND_CHECKED[exercise.name](exercise.load_reference())


def _check_discretise(reference):
    # [0.1, -0.7] in [-1, 1]² with 3 bins: boxes floor(1.1/2 · 3) = 1 and floor(0.3/2 · 3) = 0,
    # index 1 · 3 + 0 = 3; a point beyond the edges lands in the outermost boxes (2, 0): 6
    square = dict(low=np.array([-1.0, -1.0]), high=np.array([1.0, 1.0]), bins=3)
    assert reference(np.array([0.1, -0.7]), **square) == 3
    assert reference(np.array([2.5, -3.0]), **square) == 6


def _check_online_q_update(reference):
    # Q(s) = b with zero weights and s = 0: y = r + γ max b = 1 + 0.5 · 2 = 2, loss (2 − 1)² = 1,
    # and SGD moves b_0 by −lr · 2 (Q − y) = +0.2; a terminated step has y = r = 1, loss 0
    import torch

    for terminated, loss, new_bias in ((False, 1.0, 1.2), (True, 0.0, 1.0)):
        q_network = torch.nn.Linear(2, 2)
        with torch.no_grad():
            q_network.weight.zero_()
            q_network.bias.copy_(torch.tensor([1.0, 2.0]))
        optimizer = torch.optim.SGD(q_network.parameters(), lr=0.1)
        zero = np.zeros(2, dtype=np.float32)
        got = reference(q_network, optimizer, zero, 0, 1.0, zero, terminated, 0.5)
        assert got == pytest.approx(loss)
        assert q_network.bias[0].item() == pytest.approx(new_bias) and q_network.bias[1].item() == 2.0


def _check_critic_slope(reference):
    # Q(s, a) = −(a − 2s)², so ∂Q/∂a = −2 (a − 2s)
    import torch

    obs, action = torch.tensor([[0.5], [-1.0]]), torch.tensor([[0.2], [1.0]])
    slope = reference(lambda s, a: -((a - 2 * s) ** 2).sum(dim=1), obs, action)
    assert torch.allclose(slope, -2 * (action - 2 * obs))


def _check_dpg_gradient(reference):
    # μ(s) = w s + b: ∂L/∂w = −(1/B) Σ dq_da_i s_i and ∂L/∂b = −(1/B) Σ dq_da_i
    import torch

    actor = torch.nn.Linear(1, 1)
    obs, dq_da = torch.tensor([[0.5], [2.0]]), torch.tensor([[1.2], [-0.4]])
    grad_w, grad_b = reference(actor, obs, dq_da)
    assert grad_w.item() == pytest.approx(-(1.2 * 0.5 - 0.4 * 2.0) / 2)
    assert grad_b.item() == pytest.approx(-(1.2 - 0.4) / 2)


def _check_loss_from_batch(reference):
    # y = r + γ (1 − terminated) max Q_target(s', ·) without gradient; Huber mean of Q(s, a) − y
    import torch

    torch.manual_seed(0)
    q_network, target_q_network = torch.nn.Linear(4, 2), torch.nn.Linear(4, 2)
    batch = checks.ch07_find_the_bug._transitions(3)
    with torch.no_grad():
        y = batch.reward + 0.9 * (1 - batch.terminated) * target_q_network(batch.next_obs).max(1).values
        x = q_network(batch.obs)[torch.arange(len(batch.reward)), batch.action] - y
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

    case = checks.ch07_find_the_bug._train_steps_cases()[0]
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


HAND_CHECKED = {"discretise": _check_discretise, "online_q_update": _check_online_q_update,
                "critic_slope": _check_critic_slope, "dpg_gradient": _check_dpg_gradient,
                "loss_from_batch": _check_loss_from_batch, "collect_episode": _check_collect_episode,
                "train_steps": _check_train_steps, "select_action": _check_select_action}


@pytest.mark.parametrize("exercise", ALL)
def test_the_reference_passes(exercise, capsys):
    result = checks.run_check(exercise, exercise.load_reference())
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
    # and a concrete case: an example with what was expected and what came out, or the inputs it
    # raised on
    shows_example = all(part in result.message for part in ("Example:", "  expected ", "  yours:"))
    assert shows_example or "raised an error on the inputs" in result.message, result.message


def test_a_failure_shows_one_small_example():
    wrong = {m.key: m for m in checks.Q_LEARNING_UPDATE.mutants()}["bootstraps_terminal"].fn
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
    monkeypatch.setattr(engine.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
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
    assert "rlcourse/checks" not in result.message  # only the learner's own frames


def test_a_function_that_changes_its_inputs_is_told_so():
    def epsilon_greedy(q_values, epsilon, rng):
        q_values -= q_values.max()  # in place: the caller's array changes
        return int(np.argmax(q_values))

    result = checks.run_check(checks.EPSILON_GREEDY, epsilon_greedy, quiet=True)
    assert result.mistake == "mutates_input" and "`q_values` in place" in result.message


def test_what_the_learner_code_prints_is_shown_before_the_verdict(capsys):
    def sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma):
        print("debugging", obs)
        return tabular.sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma)

    result = checks.check_sarsa_update(sarsa_update)
    assert result.printed == "debugging 0\ndebugging 1\ndebugging 3\ndebugging 2\n"
    out = capsys.readouterr().out
    assert out.startswith("Your code printed:\ndebugging 0\n") and out.endswith(result.message + "\n")
    # right on every input, yet a print left in floods a training loop: told, not passed
    assert not result.passed and result.mistake == "prints" and "right results on every test input" in out


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
                nbformat.v4.new_code_cell("print('kernel alive', result.mistake)"),
                nbformat.v4.new_code_cell(
                    "def td_target(reward, next_q_values, terminated, gamma):\n"
                    "    print('shapes', tuple(reward.shape), tuple(next_q_values.shape))\n"
                    "    return reward\n"
                    "result = check_td_target(td_target)")]
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    first = "".join(output.get("text", "") for output in nb.cells[0].outputs)
    assert "did not finish within 1 s" in first and first.strip().endswith("True")
    assert nb.cells[1].outputs[0]["text"] == "kernel alive timeout\n"
    # what the learner's function printed in the worker reaches the notebook, above the verdict
    printed = "".join(output.get("text", "") for output in nb.cells[2].outputs)
    assert printed.startswith("Your code printed:\nshapes (3,) (3, 2)\n") and "❌ td_target" in printed


def test_the_deadline_covers_the_learner_code_not_the_diagnosis():
    def slow_mutant(x):  # a catalogue entry that takes longer than the learner's deadline
        time.sleep(1.5)
        return x + 1

    exercise = checks.Exercise(name="add_one_or_not", reference=lambda: (lambda x: x),
                               cases=lambda: [dict(x=1.0)], observe=engine.observe_output,
                               mutants=lambda: [checks.Mutant("plus_one", "you added one", slow_mutant)])
    result = checks.run_check(exercise, lambda x: x + 1, timeout=1.0, quiet=True)
    assert result.mistake == "plus_one" and "you added one" in result.message


def test_grading_mode_raises_on_a_wrong_answer_and_scores(monkeypatch, capsys):
    wrong = {m.key: m for m in checks.TD_TARGET.mutants()}["bootstraps_terminal"].fn
    with pytest.raises(checks.CheckFailed) as failed:
        checks.check_td_target(wrong, grading="raise")
    assert failed.value.result.mistake == "bootstraps_terminal" and failed.value.result.score == 0.0
    assert "❌ td_target" in capsys.readouterr().out  # the verdict is still printed before it raises
    monkeypatch.setenv(engine.GRADING_ENV, "raise")
    with pytest.raises(AssertionError):  # an autograder counts an AssertionError as a failed test
        checks.check_td_target(wrong)
    assert checks.check_td_target(checks.TD_TARGET.load_reference()).score == 1.0
    with pytest.raises(ValueError, match="grading='points' is not a grading mode"):
        checks.check_td_target(wrong, grading="points")


@pytest.mark.parametrize("step", ["autograde", "validate"])
def test_under_nbgrader_a_wrong_answer_raises_without_being_asked(monkeypatch, capsys, step):
    wrong = {m.key: m for m in checks.TD_TARGET.mutants()}["bootstraps_terminal"].fn
    monkeypatch.delenv(engine.GRADING_ENV, raising=False)
    monkeypatch.setenv(engine.NBGRADER_ENV, step)  # what nbgrader sets in the kernel it grades with
    with pytest.raises(checks.CheckFailed):
        checks.check_td_target(wrong)
    assert checks.check_td_target(checks.TD_TARGET.load_reference()).passed
    monkeypatch.delenv(engine.NBGRADER_ENV)
    assert not checks.check_td_target(wrong).passed  # a learner's own run only prints its verdict


def test_sys_exit_in_the_learner_code_is_told_as_such():
    def scale_action(raw_action, low, high):
        import sys

        sys.exit("debugging")

    result = checks.run_check(checks.SCALE_ACTION, scale_action, quiet=True)
    assert result.mistake == "exits" and "sys.exit()" in result.message
    assert "checker itself failed" not in result.message


def test_renamed_or_reordered_parameters_are_told_to_keep_the_signature():
    def td_target(rewards, next_q_values, dones, gamma):
        return rewards + gamma * (1 - dones) * next_q_values.max(dim=1).values

    renamed = checks.run_check(checks.TD_TARGET, td_target, quiet=True)
    assert renamed.mistake == "signature" and "keep the given signature" in renamed.message
    assert "td_target(reward, next_q_values, terminated, gamma)" in renamed.message

    def sarsa_update(q_table, obs, action, reward, next_obs, terminated, next_action, alpha, gamma):
        return tabular.sarsa_update(q_table, obs, action, reward, next_obs, next_action, terminated, alpha, gamma)

    reordered = checks.run_check(checks.SARSA_UPDATE, sarsa_update, quiet=True)
    assert reordered.mistake == "signature" and "another order" in reordered.message


def test_an_exception_hint_needs_the_same_error_not_only_the_same_type():
    def td_target(reward, next_q_values, terminated, gamma):
        if terminated:  # a Python if on a tensor of many values: RuntimeError, like max over dim 0
            return reward
        return reward + gamma * next_q_values.max(dim=1).values

    result = checks.run_check(checks.TD_TARGET, td_target, quiet=True)
    assert result.mistake == "exception" and "dim=1" not in result.message.split("Hint:")[1]
    assert "a Python `if`" in result.message


def test_exception_hints_belong_to_their_chapter():
    def td_target(reward, next_q_values, terminated, gamma):
        return reward + gamma * (1 - terminated) * next_q_values[:, 5]

    message = checks.run_check(checks.TD_TARGET, td_target, quiet=True).message
    assert "IndexError" in message and "rows are states" not in message


def test_an_actor_loss_of_shape_batch_is_told_and_never_crashes_the_check():
    def actor_loss(actor, critic, obs):
        return -critic(obs, actor(obs))

    result = checks.run_check(checks.ACTOR_LOSS, actor_loss, quiet=True)
    assert result.mistake == "not_reduced" and ".mean()" in result.message
    assert "Traceback" not in result.message and ".detach()" not in result.message


def test_a_critic_target_made_in_inference_mode_does_not_pass():
    import torch

    def critic_target(target_actor, target_critic, reward, next_obs, terminated, gamma):
        with torch.inference_mode():
            return reward + gamma * (1.0 - terminated) * target_critic(next_obs, target_actor(next_obs))

    result = checks.run_check(checks.CRITIC_TARGET, critic_target, quiet=True)
    assert not result.passed and result.mistake == "inference_mode"


def test_swapped_or_merged_flags_in_sample_do_not_pass():
    import torch

    from rlcourse.replay import ReplayBuffer

    class Swapped(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(terminated=batch.truncated, truncated=batch.terminated)

    class Merged(ReplayBuffer):
        def sample(self, batch_size):
            batch = super().sample(batch_size)
            return batch._replace(terminated=torch.maximum(batch.terminated, batch.truncated))

    assert checks.run_check(checks.REPLAY_BUFFER, Swapped, quiet=True).mistake == "sample_swaps_flags"
    assert checks.run_check(checks.REPLAY_BUFFER, Merged, quiet=True).mistake == "sample_merges_flags"


def test_examples_describe_networks_and_print_int_actions_as_ints():
    bug = {m.key: m for m in checks.HARD_UPDATE.mutants()}["reversed"].fn
    message = checks.run_check(checks.HARD_UPDATE, bug, quiet=True).message
    assert "Example: target=a network 3 → 4 → 2, online=a network 3 → 4 → 2" in message
    wrong_dim = {m.key: m for m in checks.DQN_LOSS.mutants()}["gather_dim0"].fn
    message = checks.run_check(checks.DQN_LOSS, wrong_dim, quiet=True).message
    assert "action=tensor([1, 0, 0])" in message


def test_the_fallback_names_the_smallest_input_and_the_wrong_entries_not_an_equation():
    import torch

    def td_target(reward, next_q_values, terminated, gamma):
        target = reward + gamma * (1 - terminated) * next_q_values.max(dim=1).values
        return target + torch.where(torch.arange(len(reward)) == 2, 1.0, 0.0)  # an unnamed slip in one row

    message = checks.run_check(checks.TD_TARGET, td_target, quiet=True).message
    assert "equation above" not in message and "on the input below" in message
    assert "wrong at index 2; the other 2 entries are right" in message


def test_the_dpg_reference_is_autograd_of_the_actor_loss():
    import torch

    from rlcourse.ddpg import actor_loss
    from rlcourse.networks import Actor, Critic

    torch.manual_seed(0)
    actor, critic = Actor(3, [-2.0, 0.0], [2.0, 1.0], hidden=(8,)), Critic(3, 2, hidden=(8,))
    obs = torch.randn(5, 3)
    with torch.no_grad():
        action = actor(obs)
    chain_rule = checks.ch05_dpg.dpg_gradient(actor, obs, checks.ch05_dpg.critic_slope(critic, obs, action))
    direct = torch.autograd.grad(actor_loss(actor, critic, obs), list(actor.parameters()))
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(chain_rule, direct))


def test_catalogues_import_only_the_engine_and_shared_helpers():
    import ast
    from pathlib import Path

    allowed = {"engine", "properties", "fixtures"}
    for path in Path(checks.__file__).parent.glob("ch*.py"):
        imported = {node.module for node in ast.walk(ast.parse(path.read_text()))
                    if isinstance(node, ast.ImportFrom) and node.level == 1}
        assert imported <= allowed, (path.name, imported)


def test_an_unnamed_wrong_output_that_is_a_multiple_of_the_right_one_is_told_so():
    def td_target(reward, next_q_values, terminated, gamma):
        return -2.5 * (reward + gamma * (1 - terminated) * next_q_values.max(dim=1).values)

    message = checks.run_check(checks.TD_TARGET, td_target, quiet=True).message
    assert "your output is -2.5 × the expected one" in message

    def negated(reward, next_q_values, terminated, gamma):
        return -(reward + gamma * (1 - terminated) * next_q_values.max(dim=1).values)

    assert "a sign is flipped" in checks.run_check(checks.TD_TARGET, negated, quiet=True).message
