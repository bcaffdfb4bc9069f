"""Tests of rlcourse.runs: overrides, range checks, metrics CSV, the interrupt flag."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import pytest

from rlcourse import runs
from rlcourse.runs import (Metrics, NonFiniteLossError, apply_overrides, check_range, config_record,
                          eval_record, interruptible, library_versions, read_json, write_json)


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


def test_metrics_csv_writes_numpy_floats_as_the_numbers_they_are(tmp_path):
    import numpy as np

    metrics = Metrics()
    # np.mean gives np.float64, an element of a float32 array np.float32, a count np.int64
    metrics.log_episode(np.int64(5), 1, 3.0, loss=np.float64(0.1) + np.float64(0.2),
                        q=np.float32(0.1), flag=True)
    metrics.to_csv(tmp_path / "m.csv")
    text = (tmp_path / "m.csv").read_text()
    assert "np." not in text  # repr(np.float64(0.3)) is "np.float64(0.3)": text, not a number
    (row,) = Metrics.from_csv(tmp_path / "m.csv").rows
    assert row["step"] == 5 and row["loss"] == 0.1 + 0.2  # every bit of the float64
    # the float32's exact value (0.10000000149011612), not str's "0.1", another number
    assert row["q"] == float(np.float32(0.1)) and row["q"] != 0.1
    assert row["flag"] == "True"  # a bool is no float


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


@pytest.mark.parametrize("text, value", [("true", True), ("1", True), ("yes", True), ("YES", True),
                                         ("false", False), ("0", False), ("no", False),
                                         ("No", False)])
def test_apply_overrides_reads_each_word_of_a_bool(text, value):
    assert apply_overrides(ToyConfig(), [f"double={text}"]).double is value
    assert apply_overrides(ToyConfig(double=True), [f"double={text}"]).double is value


def test_apply_overrides_reads_an_int_written_as_a_float_and_refuses_a_fraction():
    assert apply_overrides(ToyConfig(), ["batch_size=1e3"]).batch_size == 1000
    with pytest.raises(ValueError) as info:
        apply_overrides(ToyConfig(), ["batch_size=2.5"])
    assert str(info.value) == "--set batch_size=2.5: expected a value of type int"


@dataclass(frozen=True)
class TupleConfig:
    scales: tuple = (0.5,)
    sizes: tuple = ()


def test_apply_overrides_reads_tuples_in_parentheses_of_the_current_element_type():
    config = apply_overrides(ToyConfig(), ["hidden=(32, 16)"])
    assert config.hidden == (32, 16)
    config = apply_overrides(TupleConfig(), ["scales=(1.5,2)", "sizes=3,4"])
    assert config == TupleConfig(scales=(1.5, 2.0), sizes=(3, 4))  # floats like (0.5,); ints for ()
    assert all(type(x) is float for x in config.scales) and all(type(x) is int for x in config.sizes)


@dataclass(frozen=True)
class FreeConfig:
    tag: Any = None
    name: str = "cartpole"


def test_apply_overrides_text_fields_and_a_none_that_is_not_optional():
    # tag's annotation is not "X | None": its text is kept as text, "none" (any case) is None
    assert apply_overrides(FreeConfig(), ["tag=abc"]).tag == "abc"
    assert apply_overrides(FreeConfig(), ["tag=none"]).tag is None
    assert apply_overrides(FreeConfig(), ["tag=NONE"]).tag is None
    assert apply_overrides(FreeConfig(), ["name=pendulum"]).name == "pendulum"
    assert apply_overrides(FreeConfig(), ["name=a=b"]).name == "a=b"  # split at the first "=" only
    # "none" for a float field that is not optional is a wrong value, not None
    with pytest.raises(ValueError) as info:
        apply_overrides(ToyConfig(), ["lr=none"])
    assert str(info.value) == "--set lr=none: expected a value of type float"


def test_apply_overrides_messages_in_full():
    with pytest.raises(ValueError) as info:
        apply_overrides(ToyConfig(), ["lr"])
    assert str(info.value) == "--set expects key=value, got 'lr'"
    with pytest.raises(ValueError) as info:
        apply_overrides(ToyConfig(), ["learning_rate=0.1"])
    assert str(info.value) == ("unknown hyperparameter 'learning_rate' for ToyConfig; valid keys: "
                               "batch_size, double, hidden, lr")


def test_apply_overrides_takes_a_dict_s_values_as_they_are():
    assert apply_overrides(ToyConfig(), {"hidden": (8, 4), "batch_size": 16}) == ToyConfig(
        hidden=(8, 4), batch_size=16)


def test_check_range_message_for_an_unbounded_side():
    with pytest.raises(ValueError) as info:
        check_range("initial_q", float("nan"))
    assert str(info.value) == "initial_q must be in [-inf, inf], got nan"
    with pytest.raises(ValueError) as info:
        check_range("x", 5, high=1)
    assert str(info.value) == "x must be in [-inf, 1], got 5"


def test_metrics_csv_keeps_text_and_a_line_break_inside_a_value(tmp_path):
    metrics = Metrics()
    metrics.log_episode(1, 1, 2.0, note="two\r\nlines", phase="warm-up")
    metrics.to_csv(tmp_path / "m.csv")
    row = Metrics.from_csv(tmp_path / "m.csv").rows[0]
    assert row["note"] == "two\r\nlines" and row["phase"] == "warm-up"


def test_interruptible_flag_is_a_bool():
    with interruptible() as stop:
        pass
    assert stop.interrupted is False


def test_library_versions_names_the_stack(monkeypatch):
    import platform
    from importlib.metadata import PackageNotFoundError, version

    import gymnasium
    import numpy
    import torch

    assert library_versions() == {"rlcourse": version("rlcourse"),
                                  "python": platform.python_version(),
                                  "torch": torch.__version__, "gymnasium": gymnasium.__version__,
                                  "numpy": numpy.__version__}

    def not_installed(name):
        raise PackageNotFoundError(name)

    monkeypatch.setattr(runs, "version", not_installed)
    assert library_versions()["rlcourse"] == "not installed"


def test_config_and_eval_records():
    from rlcourse.envs import EvalResult

    config = ToyConfig(lr=0.5)
    assert config_record(algo="dqn", env_id="CartPole-v1", seed=3, config=config, steps=100) == {
        "algo": "dqn", "env_id": "CartPole-v1", "seed": 3, "steps": 100,
        "hyperparameters": dataclasses.asdict(config), "versions": library_versions()}
    record = eval_record(env_id="CartPole-v1", algo="dqn", seed=3, result=EvalResult([1.0, 3.0]),
                         first_solved_step=None, train_seconds=1.23456)
    assert record == {"env_id": "CartPole-v1", "algo": "dqn", "seed": 3, "episodes": 2,
                      "returns": [1.0, 3.0], "mean_return": 2.0, "std_return": 1.0,
                      "first_solved_step": None, "train_seconds": 1.235}


def test_write_json_keeps_the_key_order_indented_and_read_json_reads_it(tmp_path):
    write_json(tmp_path / "a.json", {"b": 1, "a": [1]})
    assert (tmp_path / "a.json").read_text() == '{\n  "b": 1,\n  "a": [\n    1\n  ]\n}\n'
    assert read_json(str(tmp_path / "a.json")) == {"b": 1, "a": [1]}
    assert json.loads((tmp_path / "a.json").read_text()) == read_json(tmp_path / "a.json")


def test_non_finite_loss_error_keeps_its_message_and_the_run():
    run = object()
    error = NonFiniteLossError("loss became nan at step 7", run)
    assert str(error) == "loss became nan at step 7" and error.run is run
    assert isinstance(error, RuntimeError)
