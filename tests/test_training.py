"""rlcourse.training: the bookkeeping around the algorithms' loops (most of it is exercised through
dqn.train and ddpg.train in their own tests; what only a hand-driven loop can reach is here)."""

from rlcourse.runs import Metrics
from rlcourse.training import Run, TrainingLoop


def _loop(run: Run, steps: int = 10) -> TrainingLoop:
    return TrainingLoop(run, algo="test", env_id="CartPole-v1", seed=0, steps=steps, episodes=None,
                        networks={}, eval_every=0, eval_episodes=0)


def test_a_ctrl_c_after_a_step_was_logged_leaves_the_record_at_that_step():
    # Ctrl-C can land between an episode's row (or an evaluation's) and the end of its step: the
    # record must still count that step, or its metrics hold a row past run.steps
    # (a Ctrl-C the loop lets through fails here as a test failure, not as an interrupted pytest)
    run = Run(agent=None, metrics=Metrics(), config=None)
    try:
        with _loop(run) as loop:
            for step in loop.steps():
                if step == 3:
                    loop.end_episode(1.0)
                    raise KeyboardInterrupt
                loop.end_step()
    except KeyboardInterrupt:
        raise AssertionError("the loop let the Ctrl-C through instead of ending the run") from None
    assert run.interrupted
    assert run.metrics.rows[-1]["step"] == run.steps == 3 and run.episodes == 1


def test_the_loop_counts_steps_and_episodes_to_its_budget():
    run = Run(agent=None, metrics=Metrics(), config=None)
    with _loop(run, steps=7) as loop:
        for step in loop.steps():
            if step % 3 == 0:
                loop.end_episode(float(step))
            loop.end_step()
    assert not run.interrupted
    assert (run.steps, run.episodes) == (7, 2)
    assert [row["step"] for row in run.metrics.rows] == [3, 6]


# --- what the algorithms' own tests reach only through a whole run ----------------------------------
# A constant policy on CartPole-v1 gives fixed, seed-determined returns (9-10 steps pushing one way),
# so evaluations and the stop rule can be checked against evaluate() of the same policy.

import dataclasses  # noqa: E402
import time  # noqa: E402
import json  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from rlcourse.envs import HELDOUT_SEED, VALIDATION_SEED, evaluate  # noqa: E402
from rlcourse.runs import NonFiniteLossError, read_json  # noqa: E402
from rlcourse.training import linear_schedule, resume_from_checkpoint, write_run  # noqa: E402


@dataclasses.dataclass
class _Config:
    lr: float = 0.5
    final_eval_episodes: int = 3


class _Pusher:
    """An agent that always pushes the same way (left: 0), with one real torch layer as its
    weights (for the last-good reset and the checkpoints)."""

    def __init__(self, action: int = 0) -> None:
        torch.manual_seed(0)
        self.net = torch.nn.Linear(4, 2)
        self.action = action
        self.saved: list[tuple[str, dict]] = []

    def act(self, obs) -> int:
        return self.action

    def save(self, path, meta=None):
        from rlcourse.checkpoints import save_checkpoint
        self.saved.append((str(path), dict(meta or {})))
        return save_checkpoint(path, {"net": self.net}, {"algo": "test", **(meta or {})})


def _left_run(action: int = 0, **kwargs) -> Run:
    return Run(agent=_Pusher(action), metrics=Metrics(), config=_Config(), **kwargs)


def _eval_loop(run: Run, *, steps=12, eval_every=4, eval_episodes=2, **kwargs) -> TrainingLoop:
    return TrainingLoop(run, algo="TEST", env_id="CartPole-v1", seed=7, steps=steps, episodes=None,
                        networks={"net": run.agent.net}, eval_every=eval_every,
                        eval_episodes=eval_episodes, **kwargs)


def _drive(loop: TrainingLoop, *, on_step=None) -> list[int]:
    seen = []
    with loop:
        for step in loop.steps():
            seen.append(step)
            if on_step is not None:
                on_step(loop, step)
            loop.end_step()
    return seen


def test_linear_schedule_by_hand():
    assert linear_schedule(1.0, 0.1, 10, 0) == 1.0
    assert linear_schedule(1.0, 0.1, 10, 5) == pytest.approx(0.55)  # halfway: 1 + (0.1 - 1) / 2
    assert linear_schedule(1.0, 0.1, 10, 10) == pytest.approx(0.1)
    assert linear_schedule(1.0, 0.1, 10, 25) == pytest.approx(0.1)  # held at the end, not past it
    assert linear_schedule(0.2, 0.6, 4, 1) == pytest.approx(0.3)  # rising works too
    assert linear_schedule(1.0, 0.1, 0, 0) == 0.1 and linear_schedule(1.0, 0.1, -3, 0) == 0.1


def test_a_runs_policy_is_its_agents_greedy_act():
    run = _left_run()
    assert run.policy == run.agent.act and run.policy(None) == 0


def test_the_loop_stops_at_the_episode_limit_before_the_step_budget():
    run = Run(agent=None, metrics=Metrics(), config=None)
    loop = TrainingLoop(run, algo="test", env_id="CartPole-v1", seed=0, steps=100, episodes=2,
                        networks={}, eval_every=0, eval_episodes=0)
    seen = _drive(loop, on_step=lambda loop, step: step % 5 == 0 and loop.end_episode(1.0))
    assert seen == list(range(1, 11)) and (run.steps, run.episodes) == (10, 2)


def test_a_resumed_record_counts_on_from_its_step_and_episode():
    run = Run(agent=None, metrics=Metrics(), config=None, steps=5, episodes=3)
    loop = TrainingLoop(run, algo="test", env_id="CartPole-v1", seed=0, steps=8, episodes=5,
                        networks={}, eval_every=0, eval_episodes=0)
    seen = _drive(loop, on_step=lambda loop, step: loop.end_episode(2.0))
    assert seen == [6, 7] and (run.steps, run.episodes) == (7, 5)  # the 5th episode ends it
    assert [(row["step"], row["episode"]) for row in run.metrics.rows] == [(6, 4), (7, 5)]


def test_an_episode_row_has_its_step_episode_return_and_extra_columns():
    run = Run(agent=None, metrics=Metrics(), config=None)
    loop = TrainingLoop(run, algo="test", env_id="CartPole-v1", seed=0, steps=4, episodes=None,
                        networks={}, eval_every=0, eval_episodes=0)
    _drive(loop, on_step=lambda loop, step: step == 3 and loop.end_episode(12, loss=0.25, epsilon=0.5))
    assert run.metrics.rows == [{"step": 3, "episode": 1, "episode_return": 12.0, "loss": 0.25,
                                 "epsilon": 0.5}]


def test_periodic_evaluations_are_greedy_on_the_validation_seeds_every_eval_every_steps():
    run = _left_run()
    _drive(_eval_loop(run, steps=12, eval_every=4, eval_episodes=3))
    expected = evaluate("CartPole-v1", lambda obs: 0, episodes=3, seed=VALIDATION_SEED).mean_return
    assert expected != evaluate("CartPole-v1", lambda obs: 0, episodes=3, seed=HELDOUT_SEED).mean_return
    assert run.metrics.column("eval_mean_return") == [(4, expected), (8, expected), (12, expected)]
    assert [row["episode"] for row in run.metrics.rows] == [0, 0, 0]
    # the training clock stops for each evaluation: its reading at each is kept apart
    assert sorted(run.eval_clock) == [4, 8, 12]
    assert run.eval_clock[4] <= run.eval_clock[8] <= run.eval_clock[12] <= run.train_seconds
    assert run.eval_seconds > 0 and run.solved_return is None


def test_no_evaluation_without_eval_every_and_the_budget_runs_out():
    run = _left_run()
    assert _drive(_eval_loop(run, steps=6, eval_every=0)) == [1, 2, 3, 4, 5, 6]
    assert run.metrics.rows == [] and run.eval_clock == {} and run.eval_seconds == 0


def test_the_stop_rule_ends_the_run_at_an_evaluation_that_holds_on_the_extended_episodes():
    returns = evaluate("CartPole-v1", lambda obs: 0, episodes=6, seed=VALIDATION_SEED).returns
    threshold = min(returns)  # every episode reaches it: the first evaluation solves
    run = _left_run()
    seen = _drive(_eval_loop(run, steps=50, eval_every=4, eval_episodes=2, stop_at_return=threshold,
                             stop_eval_episodes=6))
    assert seen == [1, 2, 3, 4] and run.steps == 4
    assert run.solved_return == pytest.approx(sum(returns) / 6)  # the six validation episodes' mean


def test_the_stop_rule_needs_the_extended_validation_too():
    returns = evaluate("CartPole-v1", lambda obs: 1, episodes=6, seed=VALIDATION_SEED).returns
    first, extended = sum(returns[:3]) / 3, sum(returns) / 6
    assert first > extended  # pushing right from these seeds: 10 over the first 3, 9.33 over 6
    run = _left_run(action=1)
    seen = _drive(_eval_loop(run, steps=12, eval_every=4, eval_episodes=3,
                             stop_at_return=(first + extended) / 2, stop_eval_episodes=6))
    assert seen == list(range(1, 13)) and run.solved_return is None  # the 3 pass, the 6 do not


def test_a_return_at_the_threshold_is_solved_and_one_below_is_not():
    returns = evaluate("CartPole-v1", lambda obs: 0, episodes=2, seed=VALIDATION_SEED).returns
    mean = sum(returns) / 2
    for threshold, solved in ((mean, True), (mean + 0.5, False)):
        run = _left_run()
        _drive(_eval_loop(run, steps=4, eval_every=4, eval_episodes=2, stop_at_return=threshold,
                          stop_eval_episodes=2))
        assert (run.solved_return is not None) == solved, threshold


def test_diverged_resets_the_weights_to_the_last_evaluation_and_says_where_things_are(tmp_path):
    run = _left_run()
    weights = {}

    def on_step(loop, step):
        with torch.no_grad():
            run.agent.net.weight.add_(1.0)  # "training" changes the weights every step
        if step == 4:
            weights["at 4"] = run.agent.net.weight.detach().clone()
        if step == 6:
            raise loop.diverged("the loss became nan", advice="try a smaller lr")

    with pytest.raises(NonFiniteLossError) as error:
        _drive(_eval_loop(run, steps=12, eval_every=4, checkpoint_dir=tmp_path / "ckpt"),
               on_step=on_step)
    torch.testing.assert_close(run.agent.net.weight, weights["at 4"], rtol=0, atol=0)
    assert str(error.value) == ("TEST stopped at step 6: the loss became nan (try a smaller lr). The "
                                "agent was reset to its weights at step 4; the last good checkpoint "
                                f"(step 4) is in {tmp_path / 'ckpt'}.")
    assert error.value.run is run and (run.steps, run.episodes) == (6, 0) and run.train_seconds > 0
    # a failure ends the block without a checkpoint of its own: the one on disk is step 4's
    assert [meta["step"] for _, meta in run.agent.saved] == [4]
    assert json.loads((tmp_path / "ckpt" / "meta.json").read_text())["step"] == 4


def test_diverged_without_a_checkpoint_folder_names_none():
    run = _left_run()
    loop = _eval_loop(run, steps=3, eval_every=0)
    with loop:
        next(loop.steps())
        error = loop.diverged("the critic loss is inf", advice="lower lr")
    assert str(error) == ("TEST stopped at step 1: the critic loss is inf (lower lr). The agent was "
                          "reset to its weights at step 0.")


def test_checkpoints_at_each_evaluation_and_at_the_end_hold_what_a_resume_needs(tmp_path):
    run = _left_run()
    _drive(_eval_loop(run, steps=10, eval_every=4, checkpoint_dir=tmp_path / "ckpt"),
           on_step=lambda loop, step: step == 7 and loop.end_episode(7.0))
    assert [(path, meta["step"], meta["episode"]) for path, meta in run.agent.saved] == [
        (str(tmp_path / "ckpt"), 4, 0), (str(tmp_path / "ckpt"), 8, 1), (str(tmp_path / "ckpt"), 10, 1)]
    assert run.agent.saved[-1][1] == {"env_id": "CartPole-v1", "seed": 7, "step": 10, "episode": 1,
                                      "config": {"lr": 0.5, "final_eval_episodes": 3}}
    # and resume_from_checkpoint reads them back, weights included
    fresh = torch.nn.Linear(4, 2)
    assert resume_from_checkpoint(tmp_path / "ckpt", {"net": fresh}) == (10, 1)
    torch.testing.assert_close(fresh.weight, run.agent.net.weight, rtol=0, atol=0)
    assert resume_from_checkpoint(None, {"net": fresh}) == (0, 0)


def test_without_a_checkpoint_folder_nothing_is_saved():
    run = _left_run()
    _drive(_eval_loop(run, steps=8, eval_every=4))
    assert run.agent.saved == []


def test_write_run_writes_config_metrics_and_a_held_out_evaluation(tmp_path):
    def train(model_dir):
        run = _left_run(steps=3)
        run.metrics.log_eval(2, 0, 9.0)
        run.metrics.log_episode(3, 1, 8.0)
        run.train_seconds = 1.23456
        run.agent.save(model_dir)
        return run

    record = write_run(tmp_path / "nested" / "run", algo="test", env_id="CartPole-v1", seed=4,
                       config=_Config(), budget={"steps": 3, "episodes": None}, train=train,
                       extra=lambda run: {"steps_trained": run.steps})
    out = tmp_path / "nested" / "run"
    config = read_json(out / "config.json")
    assert {k: config[k] for k in ("algo", "env_id", "seed", "steps", "episodes", "hyperparameters")} == {
        "algo": "test", "env_id": "CartPole-v1", "seed": 4, "steps": 3, "episodes": None,
        "hyperparameters": {"lr": 0.5, "final_eval_episodes": 3}}
    assert (out / "metrics.csv").read_text().splitlines()[1:] == ["2,0,,9.0", "3,1,8.0,"]
    held_out = evaluate("CartPole-v1", lambda obs: 0, episodes=3, seed=HELDOUT_SEED)
    assert read_json(out / "eval.json") == record
    assert record["returns"] == held_out.returns and record["episodes"] == 3
    assert record["first_solved_step"] is None  # 9 is far from CartPole's 475
    assert record["train_seconds"] == 1.235 and record["steps_trained"] == 3
    assert (record["algo"], record["seed"], record["env_id"]) == ("test", 4, "CartPole-v1")


def test_write_run_records_the_first_solved_evaluation_and_no_step_for_an_env_without_a_threshold(
        tmp_path):
    def train(model_dir):
        run = _left_run()
        for step, value in ((1, 100.0), (2, 480.0), (3, 500.0)):
            run.metrics.log_eval(step, 0, value)
        return run

    assert write_run(tmp_path / "a", algo="t", env_id="CartPole-v1", seed=0, config=_Config(),
                     budget={}, train=train)["first_solved_step"] == 2  # first >= 475
    record = write_run(tmp_path / "b", algo="t", env_id="Blackjack-v1", seed=0, config=_Config(),
                       budget={}, train=train)  # Blackjack has no solved threshold
    assert record["first_solved_step"] is None and "steps_trained" not in record


def test_write_run_writes_config_json_before_training_fails(tmp_path):
    def train(model_dir):
        raise RuntimeError("training broke")

    with pytest.raises(RuntimeError, match="training broke"):
        write_run(tmp_path / "run", algo="test", env_id="CartPole-v1", seed=1, config=_Config(),
                  budget={"steps": 5}, train=train)
    assert read_json(tmp_path / "run" / "config.json")["steps"] == 5
    assert not (tmp_path / "run" / "eval.json").exists()


# --- found by mutation testing of rlcourse/training.py ----------------------------------------------

def test_linear_schedule_over_one_step_starts_at_start():
    assert linear_schedule(1.0, 0.0, 1, 0) == 1.0 and linear_schedule(1.0, 0.0, 1, 1) == 0.0


def test_the_loop_draws_no_bar_unless_asked_and_its_bar_counts_the_budget(monkeypatch, capsys):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")  # nothing in the environment switches bars off
    run = _left_run()
    loop = TrainingLoop(run, algo="TEST", env_id="CartPole-v1", seed=0, steps=5, episodes=None,
                        networks={}, eval_every=0, eval_episodes=0)  # progress left at its default
    _drive(loop)
    assert capsys.readouterr().err == ""  # no bar by default
    run = _left_run()
    loop = _eval_loop(run, steps=12, eval_every=4, progress=True)
    _drive(loop)
    assert (loop.bar.total, loop.bar.n) == (12, 12) and loop.bar.desc.startswith("TEST CartPole-v1")
    assert "12/12" in capsys.readouterr().err


def test_a_solved_run_says_so_on_its_bar(monkeypatch):
    monkeypatch.setenv("RLCOURSE_PROGRESS", "1")
    returns = evaluate("CartPole-v1", lambda obs: 0, episodes=2, seed=VALIDATION_SEED).returns
    run = _left_run()
    loop = _eval_loop(run, steps=50, eval_every=4, eval_episodes=2, stop_at_return=min(returns),
                      stop_eval_episodes=2, progress=True)
    _drive(loop)
    assert loop.bar.desc == "TEST CartPole-v1: solved at step 4, stopped: "  # tqdm adds ": "


def test_the_evaluation_env_gets_the_env_kwargs():
    run = _left_run()
    # pushing left lasts 9-10 steps on CartPole; a 5-step limit on the evaluation env caps it
    _drive(_eval_loop(run, steps=4, eval_every=4, eval_episodes=2,
                      env_kwargs={"max_episode_steps": 5}))
    assert run.metrics.column("eval_mean_return") == [(4, 5.0)]


class _SlowPusher(_Pusher):
    """Pushes left, taking 10 ms to decide: evaluations then cost a known minimum of time."""

    def act(self, obs) -> int:
        time.sleep(0.01)
        return 0


def test_evaluation_time_adds_up_apart_from_the_training_clock():
    run = Run(agent=_SlowPusher(), metrics=Metrics(), config=_Config(), train_seconds=100.0,
              eval_seconds=50.0)
    start = time.perf_counter()
    _drive(_eval_loop(run, steps=12, eval_every=4, eval_episodes=2))
    wall = time.perf_counter() - start
    # three evaluations of two 9-10 step episodes at >= 10 ms a step: >= 0.54 s in all, added to the
    # 50 s the record held; the training steps themselves do nothing, so the clock moved by less
    # than the wall time minus the evaluations
    assert 50.0 + 0.54 <= run.eval_seconds <= 50.0 + wall
    assert 100.0 <= run.train_seconds <= 100.0 + wall - 0.54


def test_a_divergence_adds_its_time_to_the_training_clock():
    # raised as the algorithms raise it, the error ends the block without __exit__'s own clock
    # reading, so the time of the run up to the divergence (>= the 20 ms slept) is diverged()'s
    run = _left_run(train_seconds=100.0)
    start = time.perf_counter()
    loop = _eval_loop(run, steps=3, eval_every=0)
    with pytest.raises(NonFiniteLossError):
        with loop:
            next(loop.steps())
            time.sleep(0.02)
            raise loop.diverged("the loss became nan", advice="lower lr")
    assert 100.02 <= run.train_seconds <= 100.0 + (time.perf_counter() - start)


def test_a_checkpoint_without_step_and_episode_resumes_from_zero(tmp_path):
    from rlcourse.checkpoints import save_checkpoint

    net = torch.nn.Linear(4, 2)
    save_checkpoint(tmp_path / "ckpt", {"net": net}, {"algo": "test"})  # a bare agent.save()
    assert resume_from_checkpoint(tmp_path / "ckpt", {"net": torch.nn.Linear(4, 2)}) == (0, 0)


def test_write_run_trains_into_model_of_a_folder_that_may_exist(tmp_path):
    seen = []

    def train(model_dir):
        seen.append(model_dir)
        return _left_run()

    out = tmp_path / "run"
    out.mkdir()  # an existing folder is written into (the command line refuses one with runs first)
    write_run(out, algo="t", env_id="CartPole-v1", seed=0, config=_Config(), budget={}, train=train)
    assert seen == [out / "model"] and (out / "eval.json").exists()
