"""The benchmark scripts' own options work (the full comparisons run in ``make bench``)."""

from __future__ import annotations

import json

import pytest
import torch


@pytest.fixture(autouse=True)
def _leave_the_test_process_as_found(monkeypatch):
    """A script's ``main()`` sets up its own process: bars off (``os.environ.setdefault``) and one
    torch thread. Called here, in a test worker, that would outlive the test: every kernel the
    worker starts later inherits ``RLCOURSE_PROGRESS=0``, and a notebook's progress bar then draws
    nothing (tests/browser/widgets_check.ipynb failed so)."""
    monkeypatch.setenv("RLCOURSE_PROGRESS", "0")  # restored to what it was after the test
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_bench_dqn_rejects_an_unknown_hyperparameter_before_training(capsys, load_script):
    bench = load_script("benchmarks/bench_dqn.py")
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--ours-only", "--set", "learning_rate=1e-3"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "unknown hyperparameter 'learning_rate'" in error and "lr" in error  # names valid keys
    assert "ours  seed" not in capsys.readouterr().out


def test_bench_dqn_ours_only_runs_a_variant_and_keeps_the_committed_results(tmp_path, monkeypatch,
                                                                           capsys, load_script):
    bench = load_script("benchmarks/bench_dqn.py")
    committed = bench.RESULTS.read_bytes()
    monkeypatch.setattr(bench, "VARIANT_RESULTS", tmp_path / "variant.json")
    status = bench.main(["--ours-only", "--seeds", "3", "--set", "steps=1500",
                         "--set", "hidden=(16,16)"])
    assert status == 1  # 1,500 steps do not solve CartPole: the targets are reported missed
    record = json.loads((tmp_path / "variant.json").read_text())
    assert record["complete"] and set(record["results"]) == {"ours"}
    assert record["ours_overrides"] == ["steps=1500", "hidden=(16,16)"]
    assert record["ours_config"]["steps"] == 1500 and record["ours_config"]["hidden"] == [16, 16]
    (run,) = record["results"]["ours"]
    assert run["seed"] == 3 and run["steps"] == 1500 and run["solved_at_end"] is False
    assert run["stable_solve_seconds"] is None and run["train_seconds"] > 0  # ends unsolved
    assert record["solved_at_end"] == {"ours": 0}
    assert bench.RESULTS.read_bytes() == committed
    out = capsys.readouterr().out
    assert "Stable-Baselines3" not in out
    assert "solved at the end (final return >= 475): ours 0/1" in out
    # the target line names the target, not a count it did not reach
    assert "target MISSED ours: every seed solved at the end" in out
    assert record["targets"]["ours: every seed solved at the end"] is False


@pytest.mark.parametrize("argv, message", [
    (["--sb3-stop-only", "--ours-only"], "--sb3-stop-only and --ours-only exclude each other"),
    (["--sb3-stop-only", "--set", "stop_at_return=none"], "--sb3-stop-only needs our stop rule"),
])
def test_bench_dqn_refuses_an_sb3_stop_run_it_cannot_make_before_training(argv, message, capsys,
                                                                          load_script):
    bench = load_script("benchmarks/bench_dqn.py")
    with pytest.raises(SystemExit) as exit_info:
        bench.main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err and "ours  seed" not in captured.out


# --- --workers N: every seed at once ---------------------------------------------------------------


@pytest.mark.parametrize("script", ["benchmarks/bench_dqn.py", "benchmarks/bench_ddpg.py"])
@pytest.mark.parametrize("argv, message", [
    (["--workers", "0"], "argument --workers: must be at least 1"),
    (["--workers", "-2"], "argument --workers: must be at least 1"),
    (["--workers", "two"], "argument --workers: 'two' is not a whole number"),
    (["--workers", "2", "--seeds", "1", "1"], "--workers trains each seed once"),
])
def test_bench_workers_refuses_a_batch_it_cannot_run_before_training(script, argv, message, capsys,
                                                                     load_script):
    bench = load_script(script)
    with pytest.raises(SystemExit) as exit_info:
        bench.main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert message in captured.err and len(captured.err.strip().splitlines()[-1]) < 200
    assert "seed" not in captured.out and "all at once" not in captured.out


def test_bench_dqn_workers_trains_the_seeds_at_once_as_each_alone(tmp_path, capsys, load_script):
    bench = load_script("benchmarks/bench_dqn.py")
    overrides = ["steps=1500", "hidden=(16,16)"]
    parallel = bench.PARALLEL_RESULTS.read_bytes() if bench.PARALLEL_RESULTS.exists() else None
    status = bench.main(["--ours-only", "--workers", "2", "--seeds", "0", "1",
                         *(arg for override in overrides for arg in ("--set", override)),
                         "--out", str(tmp_path / "parallel.json")])
    assert status == 1  # 1,500 steps do not solve CartPole: the learning target is missed
    record = json.loads((tmp_path / "parallel.json").read_text())
    assert record["complete"] and record["workers"] == 2 and set(record["results"]) == {"ours"}
    assert record["ours_overrides"] == overrides and record["kernel_path"] == "default"
    assert record["batch_wall_seconds"]["ours"] > 0 and "sb3_stop" not in record["batch_wall_seconds"]
    assert record["machine"]["cpus"] and "load_average_at_end" in record["machine"]
    runs = record["results"]["ours"]
    assert [run["seed"] for run in runs] == [0, 1]
    config = bench.apply_overrides(bench.dqn.default_config(bench.ENV_ID), overrides)
    for run in runs:
        alone = bench.run_ours(run["seed"], config)  # the sequential path, in this process
        # train_seeds trains every seed as if alone: the same steps, evaluations and final agent
        for key in ("steps", "first_solved_step", "final_mean_return", "solved_at_end", "evals"):
            assert run[key] == alone[key], key
        assert run["train_seconds"] > 0
        assert run["first_solved_seconds"] is None and run["wall_seconds"] is None  # not kept
    out = capsys.readouterr().out
    assert "ours: 2 seeds in " in out and "Stable-Baselines3" not in out
    assert "target MISSED ours: 5 seeds to solved agents in <= 25 s wall" in out
    assert "(the wall-time target is for 5 seeds; this run has 2)" in out
    assert "load average" in out and "at the end" in out
    assert not (bench.PARALLEL_RESULTS.exists() and parallel is None)
    assert parallel is None or bench.PARALLEL_RESULTS.read_bytes() == parallel


@pytest.mark.parametrize("script, kwargs", [
    ("benchmarks/bench_dqn.py", dict(steps=1500, eval_every=500, eval_episodes=1,
                                     stop_at_return=490.0, end_at_stop=True)),
    # SB3's DDPG takes 10,000 random steps before it learns: this batch only plays
    ("benchmarks/bench_ddpg.py", dict(steps=400, eval_every=200, eval_episodes=1)),
])
def test_bench_sb3_batch_runs_in_spawned_workers_of_a_script_loaded_by_path(script, kwargs,
                                                                           load_script):
    pytest.importorskip("stable_baselines3")
    import multiprocessing
    import sys

    bench = load_script(script)  # by path: its name is importable in a worker only if made so
    path, children = list(sys.path), set(multiprocessing.active_children())
    wall, results = bench.run_sb3_batch([1, 0], 2, **kwargs)
    assert wall > 0
    records = [result[1] if isinstance(result, tuple) else result for result in results]
    assert [record["seed"] for record in records] == [1, 0]  # in the order given
    assert all(record["steps"] >= kwargs["steps"] and record["train_seconds"] > 0
               for record in records)
    assert sys.path == path and set(multiprocessing.active_children()) == children  # none left
