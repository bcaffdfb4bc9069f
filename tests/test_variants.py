"""Tests of rlcourse.variants: each variant's overrides reach its runs, the numbers do not depend
on the number of workers, bad input is refused before any run starts."""

from __future__ import annotations

import pytest

from rlcourse import tabular
from rlcourse.runs import read_json
from rlcourse.sweep import RAY_ADDRESS_ENV
from rlcourse.variants import metrics_of, train_variants

#: tabular Q-learning on FrozenLake: a run takes milliseconds, so the test pays for the workers only
VARIANTS = {"defaults": {"final_eval_episodes": 10},
            "gamma 0.5": {"final_eval_episodes": 10, "gamma": 0.5}}


DEFAULT_GAMMA = tabular.default_config("FrozenLake-v1").gamma


@pytest.fixture(autouse=True)
def no_ray_from_the_environment(monkeypatch):
    monkeypatch.delenv(RAY_ADDRESS_ENV, raising=False)


def _files(runs) -> list[dict[str, bytes]]:
    # eval.json holds a clock reading (train_seconds); metrics.csv and the model do not
    return [{path.name: path.read_bytes() for path in sorted(run.run_dir.rglob("*"))
             if path.is_file() and path.name != "eval.json"} for run in runs]


def test_each_variant_gets_its_overrides_on_every_seed_whatever_the_workers(tmp_path):
    by_workers = {}
    for workers in (1, 2):
        results = train_variants("qlearning", "FrozenLake-v1", VARIANTS, [3, 1],
                                 out=tmp_path / f"w{workers}", episodes=50, workers=workers)
        assert list(results) == list(VARIANTS)
        for name, runs in results.items():
            assert [run.seed for run in runs] == [3, 1]  # the order asked for
            assert all(run.status == "finished" for run in runs)
            gammas = [read_json(run.run_dir / "config.json")["hyperparameters"]["gamma"]
                      for run in runs]
            assert gammas == [VARIANTS[name].get("gamma", DEFAULT_GAMMA)] * 2
            assert [read_json(run.run_dir / "eval.json")["seed"] for run in runs] == [3, 1]
        by_workers[workers] = {name: _files(runs) for name, runs in results.items()}
        assert [len(m.rows) for m in metrics_of(results["defaults"])] == [50, 50]
    assert by_workers[1] == by_workers[2]
    assert by_workers[1]["defaults"] != by_workers[1]["gamma 0.5"]  # the override changed the runs
    assert by_workers[1]["defaults"][0] != by_workers[1]["defaults"][1]  # and the seed did


@pytest.mark.parametrize("variants, kwargs, message", [
    ({}, {}, "variants is empty"),
    ({"fast": {"gamma": 2.0}}, {}, "variant 'fast': gamma must be in"),
    ({"a b": {}, "a_b": {}}, {}, "share one folder name"),
    (VARIANTS, {"workers": 0}, "workers must be at least 1"),
    (VARIANTS, {"seeds": [1, 1]}, "lists seed 1 twice"),
])
def test_bad_input_is_refused_before_any_run(tmp_path, variants, kwargs, message):
    kwargs = {"seeds": [0], **kwargs}
    with pytest.raises(ValueError, match=message):
        train_variants("qlearning", "FrozenLake-v1", variants, out=tmp_path / "out", episodes=5,
                       **kwargs)
    assert not (tmp_path / "out").exists()


def test_an_out_folder_with_runs_is_refused(tmp_path):
    (tmp_path / "DQN" / "seed-0").mkdir(parents=True)
    (tmp_path / "DQN" / "seed-0" / "config.json").write_text("{}")  # a run directory
    with pytest.raises(ValueError, match="already holds runs"):
        train_variants("qlearning", "FrozenLake-v1", {"defaults": {}}, [0], out=tmp_path,
                       episodes=5, workers=1)
