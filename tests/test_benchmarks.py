"""The benchmark scripts' own options work (the full comparisons run in ``make bench``)."""

from __future__ import annotations

import json

import pytest


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
