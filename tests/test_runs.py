"""Tests of rlcourse.runs: overrides, range checks, metrics CSV, the interrupt flag."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rlcourse.runs import Metrics, apply_overrides, check_range, interruptible


@dataclass(frozen=True)
class ToyConfig:
    lr: float = 1e-3
    batch_size: int = 32
    double: bool = False
    hidden: tuple = (64, 64)

    def __post_init__(self):
        check_range("lr", self.lr, 0.0, 1.0, low_open=True)
        check_range("batch_size", self.batch_size, 1)


def test_apply_overrides_parses_each_type():
    config = apply_overrides(ToyConfig(), ["lr=5e-4", "batch_size=64", "double=true", "hidden=32,16"])
    assert config == ToyConfig(lr=5e-4, batch_size=64, double=True, hidden=(32, 16))
    assert isinstance(config.batch_size, int) and isinstance(config.lr, float)


@dataclass(frozen=True)
class OptionalConfig:
    stop_at: float | None = None
    every: int | None = 5


def test_apply_overrides_parses_an_optional_field_by_its_annotation():
    config = apply_overrides(OptionalConfig(), ["stop_at=475"])
    assert config.stop_at == 475.0 and isinstance(config.stop_at, float)
    assert apply_overrides(config, ["stop_at=None", "every=none"]) == OptionalConfig(every=None)
    assert apply_overrides(OptionalConfig(every=None), ["every=3"]).every == 3
    with pytest.raises(ValueError, match="stop_at=high: expected a value of type float"):
        apply_overrides(OptionalConfig(), ["stop_at=high"])


def test_apply_overrides_accepts_a_dict_and_none():
    assert apply_overrides(ToyConfig(), {"lr": 0.5}).lr == 0.5
    assert apply_overrides(ToyConfig(), None) == ToyConfig()


def test_apply_overrides_unknown_key_lists_valid_keys():
    with pytest.raises(ValueError) as info:
        apply_overrides(ToyConfig(), ["learning_rate=0.1"])
    assert "'learning_rate'" in str(info.value)
    assert "batch_size, double, hidden, lr" in str(info.value)


def test_apply_overrides_wrong_type():
    with pytest.raises(ValueError, match="batch_size=abc: expected a value of type int"):
        apply_overrides(ToyConfig(), ["batch_size=abc"])
    with pytest.raises(ValueError, match="double=maybe"):
        apply_overrides(ToyConfig(), ["double=maybe"])


def test_apply_overrides_out_of_range_names_the_field():
    with pytest.raises(ValueError, match=r"lr must be in \(0, 1\], got 0.0"):
        apply_overrides(ToyConfig(), ["lr=0"])


@pytest.mark.parametrize("value, kwargs, ok", [
    (0.0, dict(low=0.0), True),
    (0.0, dict(low=0.0, low_open=True), False),
    (1.0, dict(high=1.0), True),
    (1.0, dict(high=1.0, high_open=True), False),
    (float("nan"), dict(), False),
    (float("inf"), dict(low=0.0), False),
    (5, dict(low=1, high=10), True),
])
def test_check_range(value, kwargs, ok):
    if ok:
        check_range("x", value, **kwargs)
    else:
        with pytest.raises(ValueError, match="x must be in"):
            check_range("x", value, **kwargs)


def test_check_range_message_shows_the_interval():
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\), got 1.0"):
        check_range("gamma", 1.0, 0.0, 1.0, high_open=True)


def make_metrics():
    metrics = Metrics()
    metrics.log_episode(10, 1, 10.0, epsilon=0.9)
    metrics.log_eval(10, 1, 12.5)
    metrics.log_episode(30, 2, 20.0, epsilon=0.1 + 0.2)
    metrics.log_eval(30, 2, 200.0)
    metrics.log_eval(50, 3, 450.0)
    return metrics


def test_metrics_csv_round_trip_and_byte_identical(tmp_path):
    make_metrics().to_csv(tmp_path / "a.csv")
    make_metrics().to_csv(tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.csv").read_text().splitlines()[0] == "step,episode,episode_return,eval_mean_return,epsilon"
    loaded = Metrics.from_csv(tmp_path / "a.csv")
    assert loaded.rows == [
        {"step": 10, "episode": 1, "episode_return": 10.0, "eval_mean_return": None, "epsilon": 0.9},
        {"step": 10, "episode": 1, "episode_return": None, "eval_mean_return": 12.5, "epsilon": None},
        {"step": 30, "episode": 2, "episode_return": 20.0, "eval_mean_return": None,
         "epsilon": 0.1 + 0.2},  # repr keeps every bit
        {"step": 30, "episode": 2, "episode_return": None, "eval_mean_return": 200.0, "epsilon": None},
        {"step": 50, "episode": 3, "episode_return": None, "eval_mean_return": 450.0, "epsilon": None},
    ]


def test_first_solved_step_uses_evaluations_only():
    metrics = make_metrics()
    assert metrics.first_solved_step(195.0) == 30
    assert metrics.first_solved_step(450.0) == 50
    assert metrics.first_solved_step(475.0) is None
    assert metrics.first_solved_step(15.0) == 30  # episode_return 20 at step 30 is not an evaluation
    assert metrics.column("eval_mean_return") == [(10, 12.5), (30, 200.0), (50, 450.0)]
    assert len(metrics) == 5


def test_interruptible_turns_keyboard_interrupt_into_a_flag(capsys):
    done = []
    with interruptible() as stop:
        for step in range(10):
            if step == 3:
                raise KeyboardInterrupt
            done.append(step)
    assert stop.interrupted
    assert done == [0, 1, 2]
    assert "interrupted" in capsys.readouterr().out


def test_interruptible_without_interrupt_and_other_errors_pass_through():
    with interruptible() as stop:
        pass
    assert not stop.interrupted
    with pytest.raises(RuntimeError):
        with interruptible():
            raise RuntimeError("boom")
