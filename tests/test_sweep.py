"""Tests of rlcourse.sweep: many seeds from one call, in worker processes or on Ray.

Every training run here is tiny (a few hundred env steps): the tests check plumbing and
bit-identity, not learning.
"""

import importlib
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
import torch

from rlcourse import dqn
from rlcourse.cli import ALGORITHMS, main
from rlcourse.runs import read_json
from rlcourse.sweep import (RAY_ADDRESS_ENV, RunResult, _setting_summary, parse_seeds,
                            split_values, summary_table, train_seeds)

#: DQN on CartPole, small: updates start at step 100 and run to 400; evaluations every 200 steps
TINY_DQN = {"learning_starts": "100", "eval_every": "200", "eval_episodes": "2",
            "stop_eval_episodes": "2", "final_eval_episodes": "2", "hidden": "32,32"}
RAY_MISSING = importlib.util.find_spec("ray") is None
TINY_DDPG = {"learning_starts": "100", "eval_every": "200", "eval_episodes": "1",
             "final_eval_episodes": "1"}


@pytest.fixture(autouse=True)
def no_ray_from_the_environment(monkeypatch):
    """Local sweeps stay local even where a developer's shell points sweeps at a cluster."""
    monkeypatch.delenv(RAY_ADDRESS_ENV, raising=False)


def run_files(run_dir: Path) -> dict[str, bytes]:
    """Every file of a run directory that must not depend on the machine's speed: all but
    eval.json, whose ``train_seconds`` is a clock reading (the rest of it is compared apart)."""
    return {str(path.relative_to(run_dir)): path.read_bytes()
            for path in sorted(run_dir.rglob("*")) if path.is_file() and path.name != "eval.json"}


def eval_without_clock(run_dir: Path) -> dict:
    return {key: value for key, value in read_json(run_dir / "eval.json").items()
            if key != "train_seconds"}


def train_alone(algo: str, env_id: str, seeds: list[int], steps: int, overrides: dict,
                out: Path) -> None:
    """Each seed trained by itself in this process, as ``rlcourse train --seed N`` does, into
    ``out/seed-N``."""
    module = importlib.import_module(ALGORITHMS[algo])
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in a worker; train_run's training sets its own threads anyway
    try:
        for seed in seeds:
            module.train_run(algo, env_id, seed=seed, steps=steps, episodes=None,
                             out=out / f"seed-{seed}", overrides=overrides, progress=False)
    finally:
        torch.set_num_threads(threads)


# --- parsing -------------------------------------------------------------------------------------

def test_seeds_parse_from_ranges_and_lists():
    assert parse_seeds("0-4") == [0, 1, 2, 3, 4]
    assert parse_seeds("0,2,5") == [0, 2, 5]
    assert parse_seeds("0-1, 10-12") == [0, 1, 10, 11, 12]
    assert parse_seeds("7") == [7]


@pytest.mark.parametrize("text, message", [
    ("", "'' gives no seeds"),
    ("0,,2", "'' is not a seed or a range"),
    ("4-0", "the range 4-0 gives no seeds (write 0-4)"),
    ("0-4,3", "lists seed 3 twice"),
    ("-1", "'-1' is not a seed or a range"),
    ("a-b", "'a-b' is not a seed or a range"),
])
def test_bad_seeds_are_named(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_seeds(text)


def test_value_lists_split_on_commas_and_a_tuple_field_takes_one_tuple_without_parentheses():
    assert split_values("lr", "1e-3,5e-4", 1e-3) == ["1e-3", "5e-4"]
    assert split_values("hidden", "64,64", (64, 64)) == ["64,64"]
    assert split_values("hidden", "(64,64),(256,256)", (64, 64)) == ["(64,64)", "(256,256)"]
    with pytest.raises(ValueError, match="an empty value"):
        split_values("lr", "1e-3,", 1e-3)


def test_setting_summary_gives_median_quartiles_solved_and_median_time():
    runs = [RunResult(seed, {}, Path(f"seed-{seed}"), "finished",
                      record={"mean_return": value, "train_seconds": seconds})
            for seed, (value, seconds) in enumerate([(1.0, 10.0), (2.0, 30.0), (3.0, 20.0),
                                                     (4.0, 40.0)])]
    runs.append(RunResult(4, {}, Path("seed-4"), "failed", error="RuntimeError: boom"))
    entry = _setting_summary("defaults", runs, threshold=2.5)
    # numpy's linear percentiles of 1, 2, 3, 4: 1.75, 2.5, 3.25
    assert (entry["final_return_q25"], entry["final_return_median"],
            entry["final_return_q75"]) == (1.75, 2.5, 3.25)
    assert entry["solved"] == 2 and entry["train_seconds_median"] == 25.0
    assert (entry["runs"], entry["finished"], entry["failed"]) == (5, 4, 1)
    table = summary_table({"algo": "dqn", "env_id": "CartPole-v1", "seeds": [0, 1, 2, 3, 4],
                           "threshold": 2.5, "by_setting": [entry]})
    assert "seeds 0-4" in table
    assert table.splitlines()[2].split() == ["defaults", "4/5", "2.50", "1.75", "to", "3.25",
                                             "2/4", "25.0", "1"]


# --- bad input: one line, and no run started ----------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["--seeds", ""], "gives no seeds"),
    (["--seeds", "1,1"], "lists seed 1 twice"),
    (["--seeds", "0-1", "--workers", "0"], "--workers must be at least 1, got 0"),
    (["--seeds", "0-1", "--set", "lr=1e-3,fast"], "--set lr=fast: expected a value of type float"),
    (["--seeds", "0-1", "--set", "gamma=0.9,1.5"], "setting gamma=1.5: gamma must be in [0, 1]"),
    (["--seeds", "0-1", "--set", "gamma=0.9,0.9"], "the value 0.9 is listed twice"),
    (["--seeds", "0-1", "--set", "lr=1e-3", "--set", "lr=1e-4"], "--set lr is given twice"),
    # port 1 of this machine: nothing listens there
    (["--seeds", "0-1", "--ray", "127.0.0.1:1"], "Ray is not installed" if RAY_MISSING
     else "cannot reach a Ray cluster at 127.0.0.1:1"),
    (["--seed", "0", "--workers", "2"], "--workers applies to many seeds: pass --seeds"),
])
def test_bad_sweep_input_is_one_line_and_starts_no_run(tmp_path, capsys, args, message):
    out = tmp_path / "sweep"
    assert main(["train", "dqn", "--env", "CartPole-v1", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert err.count("\n") == 1, err  # one line
    assert not out.exists()


def test_an_out_folder_with_runs_is_refused_without_resume_and_resume_refuses_another_sweep(tmp_path):
    out = tmp_path / "sweep"
    train_seeds("qlearning", "FrozenLake-v1", "0", out=out, episodes=20, workers=1, progress=False)
    before = run_files(out / "seed-0")
    with pytest.raises(ValueError, match="already holds runs; pass --resume"):
        train_seeds("qlearning", "FrozenLake-v1", "0-1", out=out, episodes=20, progress=False)
    with pytest.raises(ValueError, match="holds a sweep with episodes=20, this one has episodes=30"):
        train_seeds("qlearning", "FrozenLake-v1", "0-1", out=out, episodes=30, resume=True,
                    progress=False)
    assert run_files(out / "seed-0") == before and not (out / "seed-1").exists()


# --- results: the same bits whatever the number of workers -----------------------------------------

@pytest.mark.parametrize("algo, env_id, tiny", [("dqn", "CartPole-v1", TINY_DQN),
                                                ("ddpg", "Pendulum-v1", TINY_DDPG)])
def test_each_run_is_bit_identical_to_its_seed_trained_alone_whatever_the_workers(
        tmp_path, algo, env_id, tiny):
    seeds, steps = [0, 1], 400
    train_alone(algo, env_id, seeds, steps, tiny, tmp_path / "alone")
    for workers in (1, 2):  # 1: both seeds one after the other in the same process
        sweep = train_seeds(algo, env_id, seeds, out=tmp_path / f"workers-{workers}",
                            overrides=tiny, steps=steps, workers=workers, progress=False)
        assert [run.status for run in sweep.runs] == ["finished", "finished"]
        for seed in seeds:
            alone, swept = tmp_path / "alone" / f"seed-{seed}", sweep.out / f"seed-{seed}"
            assert run_files(swept) == run_files(alone), (workers, seed)
            assert eval_without_clock(swept) == eval_without_clock(alone)
    assert run_files(tmp_path / "alone" / "seed-0") != run_files(tmp_path / "alone" / "seed-1")


def sweep_workers(process: psutil.Process) -> set[int]:
    """The pids of ``process``'s multiprocessing workers (not its resource tracker)."""
    return {child.pid for child in process.children() if "spawn_main" in " ".join(child.cmdline())}


def test_the_next_sweep_reuses_the_workers_and_a_reused_worker_changes_no_result(tmp_path):
    # starting a worker costs seconds (a fresh interpreter imports torch): a notebook's second
    # sweep must find the first one's workers, and a worker that already trained other runs, of
    # another algorithm, must give the same bits as a fresh one
    from rlcourse.sweep import shutdown_workers

    shutdown_workers()
    first = train_seeds("ddpg", "Pendulum-v1", [0, 1], out=tmp_path / "first",
                        overrides=TINY_DDPG, steps=300, workers=2, progress=False)
    workers = sweep_workers(psutil.Process())
    assert len(workers) == 2, "the first sweep's workers stopped with it"
    train_seeds("qlearning", "FrozenLake-v1", "0-1", out=tmp_path / "between", episodes=50,
                workers=2, progress=False)
    again = train_seeds("ddpg", "Pendulum-v1", [1, 0], out=tmp_path / "again",
                        overrides=TINY_DDPG, steps=300, workers=2, progress=False)
    assert sweep_workers(psutil.Process()) == workers
    for seed in (0, 1):
        assert run_files(again.out / f"seed-{seed}") == run_files(first.out / f"seed-{seed}")
    shutdown_workers()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in workers)


def test_the_kept_workers_end_when_their_parent_is_killed(tmp_path):
    # a notebook kernel killed by a restart never shuts its pool down: its workers must not wait
    # for work for ever
    script = (f"import os, signal, psutil\n"
              f"from rlcourse.sweep import train_seeds\n"
              f"if __name__ == '__main__':\n"
              f"    train_seeds('qlearning', 'FrozenLake-v1', '0-1', out={str(tmp_path / 'out')!r},\n"
              f"                episodes=20, workers=2, progress=False)\n"
              f"    print(*[child.pid for child in psutil.Process().children()\n"
              f"            if 'spawn_main' in ' '.join(child.cmdline())], flush=True)\n"
              f"    os.kill(os.getpid(), signal.SIGKILL)\n")
    (tmp_path / "parent.py").write_text(script)
    done = subprocess.run([sys.executable, str(tmp_path / "parent.py")], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    workers = [int(pid) for pid in done.stdout.split()]
    assert workers, done.stdout

    def alive(pid):
        try:
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in workers), "a worker outlived its killed parent"


def test_resume_trains_only_the_run_that_did_not_finish_and_it_comes_out_the_same(tmp_path):
    out = tmp_path / "sweep"
    train_seeds("qlearning", "FrozenLake-v1", "0-1", out=out, episodes=200, workers=1,
                progress=False)
    first = run_files(out / "seed-1")
    kept = (out / "seed-0" / "eval.json").stat().st_mtime_ns
    (out / "seed-1" / "eval.json").unlink()  # as if the sweep had been stopped during seed 1
    sweep = train_seeds("qlearning", "FrozenLake-v1", "0-1", out=out, episodes=200,
                        resume=True, progress=False)
    assert (out / "seed-0" / "eval.json").stat().st_mtime_ns == kept  # not trained again
    assert (out / "seed-1" / "eval.json").is_file()  # trained again
    assert run_files(out / "seed-1") == first
    assert read_json(out / "summary.json")["state"] == "complete"
    assert [run.status for run in sweep.runs] == ["finished", "finished"]


def test_a_sweep_of_one_changed_setting_is_not_called_the_defaults(tmp_path, capsys):
    # `--seeds 0-1 --set hidden=(32,32)`: one setting, every run with a 32-32 network. The progress
    # lines and the table name it by its --set values (the figure's title uses the same helper);
    # "defaults" is only ever a sweep that changes nothing
    out = tmp_path / "sweep"
    overrides = [f"--set={key}={value}" for key, value in TINY_DQN.items() if key != "hidden"]
    assert main(["train", "dqn", "--env", "CartPole-v1", "--seeds", "0-1", "--steps", "300",
                 "--set", "hidden=(32,32)", *overrides, "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "defaults" not in printed
    run_lines = [line for line in printed.splitlines() if line.startswith("[")]
    assert len(run_lines) == 2 and all("hidden=(32,32)" in line for line in run_lines)
    row = next(line for line in printed.splitlines() if " 2/2 " in line and line[0] != "[")
    assert row.startswith("hidden=(32,32)") and "learning_starts=100" in row
    assert read_json(out / "seed-0" / "config.json")["hyperparameters"]["hidden"] == [32, 32]
    sweep = train_seeds("dqn", "CartPole-v1", [0], out=tmp_path / "plain", steps=1,
                        overrides={}, workers=1, progress=False)
    assert sweep.table().splitlines()[2].split()[0] == "defaults"
    # one step ends no episode: nothing to draw, and the sweep still completes (it used to raise)
    assert sweep.summary["state"] == "complete" and not (tmp_path / "plain" / "seeds.png").exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="the failing run needs a machine without CUDA")
def test_a_run_that_raises_is_reported_and_the_others_go_on(tmp_path, capsys):
    out = tmp_path / "sweep"
    # device=cuda passes the config's check and fails in the worker, on a machine without CUDA
    code = main(["train", "dqn", "--env", "CartPole-v1", "--seeds", "0", "--steps", "300",
                 "--set", "device=cpu,cuda", "--out", str(out), "--workers", "2",
                 *[f"--set={key}={value}" for key, value in TINY_DQN.items()]])
    assert code == 1
    summary = read_json(out / "summary.json")
    status = {run["dir"]: run["status"] for run in summary["runs"]}
    assert status == {"device=cpu/seed-0": "finished", "device=cuda/seed-0": "failed"}
    failed = next(run for run in summary["runs"] if run["status"] == "failed")
    assert "CUDA" in failed["error"]
    assert "Traceback" in (out / "device=cuda" / "seed-0" / "error.txt").read_text()
    assert (out / "device=cpu" / "seed-0" / "eval.json").is_file()
    assert (out / "seeds.png").stat().st_size > 0
    printed = capsys.readouterr().out
    assert "device=cuda seed 0: failed: " in printed and "device=cpu" in printed.splitlines()[-2]


# --- Ctrl-C ----------------------------------------------------------------------------------------

def interrupt_after(finished: int, command: list[str], out: Path) -> tuple[int, str, list]:
    """Run a sweep's command, press Ctrl-C once ``finished`` runs are finished, and return its
    exit code, what it printed and the processes it had started."""
    # a session of its own, so that the Ctrl-C below reaches the sweep and its workers, as a
    # terminal's does, and nothing else
    sweep = subprocess.Popen([sys.executable, "-m", "rlcourse", *command, "--out", str(out)],
                             start_new_session=True, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True,
                             env=dict(os.environ, SDL_VIDEODRIVER="dummy"))
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            summary = read_json(out / "summary.json") if (out / "summary.json").is_file() else {}
            if sum(run["status"] == "finished" for run in summary.get("runs", [])) == finished:
                break
            assert sweep.poll() is None, sweep.stdout.read()
            time.sleep(0.5)
        else:
            pytest.fail(f"{finished} quick runs did not finish within 240 s")
        children = psutil.Process(sweep.pid).children(recursive=True)
        os.killpg(sweep.pid, signal.SIGINT)
        printed = sweep.communicate(timeout=60)[0]
    finally:
        if sweep.poll() is None:
            os.killpg(sweep.pid, signal.SIGKILL)
    return sweep.returncode, printed, children


def test_ctrl_c_stops_every_worker_and_keeps_the_finished_runs(tmp_path):
    out = tmp_path / "sweep"
    # two quick settings and two that would take minutes; two workers: the quick ones finish, then
    # both workers are inside long runs when Ctrl-C comes
    code, printed, workers = interrupt_after(2, [
        "train", "qlearning", "--env", "FrozenLake-v1", "--seeds", "0-1",
        "--set", "episodes=20,1000000", "--workers", "2"], out)
    assert code == 130, printed
    assert len(workers) >= 2
    assert "Interrupted: the finished runs are kept" in printed
    # a worker that caught Ctrl-C itself would have stopped its training loop, said so, and
    # returned its partial agent as a finished run
    assert "Training interrupted" not in printed
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == []
    summary = read_json(out / "summary.json")
    assert summary["state"] == "interrupted"
    status = {run["dir"]: run["status"] for run in summary["runs"]}
    assert status == {"episodes=20/seed-0": "finished", "episodes=20/seed-1": "finished",
                      "episodes=1000000/seed-0": "interrupted",
                      "episodes=1000000/seed-1": "interrupted"}
    assert not (out / "episodes=1000000" / "seed-0" / "eval.json").exists()
    assert not (out / "episodes=1000000" / "seed-1" / "eval.json").exists()
    assert json.loads((out / "episodes=20" / "seed-1" / "eval.json").read_text())["seed"] == 1


# --- Ray -------------------------------------------------------------------------------------------

RAY_HEAD = """
import sys
import ray
context = ray.init(num_cpus=1, include_dashboard=False, logging_level="ERROR")
print(context.address_info["gcs_address"], flush=True)
sys.stdin.read()  # until the test closes stdin
ray.shutdown()
"""


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray instance of one CPU in a process of its own, for this module's Ray tests; its
    GCS address."""
    pytest.importorskip("ray", reason="Ray is not installed: pip install -c constraints.txt "
                                      "-e '.[cluster]' (make test does)")
    with pytest.MonkeyPatch.context() as patch:
        # a throwaway cluster on this machine: without Ray's token authentication (on by default
        # for a new local cluster, with a token in ~/.ray that other clusters of this user
        # share), and without usage reports
        for name, value in (("RAY_AUTH_MODE", "disabled"), ("RAY_USAGE_STATS_ENABLED", "0")):
            patch.setenv(name, value)
        # Ray gives its node 30 s to register (fixed in ray/_private/node.py); on an overloaded
        # machine that can pass, and a second start then finds the machine warmer
        for _ in range(3):
            head = subprocess.Popen([sys.executable, "-c", RAY_HEAD], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, text=True)
            address = head.stdout.readline().strip()
            if address:
                break
            head.wait(timeout=60)
        else:
            pytest.fail("a local Ray instance did not start in 3 tries (see the captured stderr)")
        try:
            yield address
        finally:
            head.stdin.close()
            head.wait(timeout=60)


def test_a_sweep_on_ray_gathers_the_same_folders_and_summary(tmp_path, ray_cluster):
    train_alone("dqn", "CartPole-v1", [0, 1], 300, TINY_DQN, tmp_path / "alone")
    on_ray = train_seeds("dqn", "CartPole-v1", "0-1", out=tmp_path / "ray", overrides=TINY_DQN,
                         steps=300, ray_address=ray_cluster, progress=False)
    for seed in (0, 1):
        alone = tmp_path / "alone" / f"seed-{seed}"
        assert run_files(on_ray.out / f"seed-{seed}") == run_files(alone)
        assert eval_without_clock(on_ray.out / f"seed-{seed}") == eval_without_clock(alone)
    assert on_ray.summary["state"] == "complete"
    assert [run["status"] for run in on_ray.summary["runs"]] == ["finished", "finished"]
    returns = sorted(read_json(tmp_path / "alone" / f"seed-{seed}" / "eval.json")["mean_return"]
                     for seed in (0, 1))
    assert on_ray.summary["by_setting"][0]["final_return_median"] == round(sum(returns) / 2, 4)
    policy = dqn.load_policy(on_ray.out / "seed-0")  # a loadable model came back
    assert policy(np.zeros(4, dtype=np.float32)) in (0, 1)


def test_ctrl_c_on_ray_cancels_the_runs_in_flight_and_keeps_the_finished_ones(tmp_path, ray_cluster):
    import ray

    out = tmp_path / "sweep"

    def press_ctrl_c_once_the_quick_run_is_in() -> None:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            summary = read_json(out / "summary.json") if (out / "summary.json").is_file() else {}
            if any(run["status"] == "finished" for run in summary.get("runs", [])):
                os.kill(os.getpid(), signal.SIGINT)  # KeyboardInterrupt in train_seeds' wait
                return
            time.sleep(0.2)

    # connected already, as a notebook would be: train_seeds does not disconnect, so only its
    # cancel stops the run in flight (a driver that disconnects has Ray end its tasks anyway)
    ray.init(address=ray_cluster, logging_level="ERROR", log_to_driver=False)
    try:
        presser = threading.Thread(target=press_ctrl_c_once_the_quick_run_is_in)
        presser.start()
        # one CPU: the quick run goes first and finishes, then the long one is in flight
        sweep = train_seeds("qlearning", "FrozenLake-v1", "0", out=out,
                            settings={"episodes": [20, 1_000_000]}, ray_address=ray_cluster,
                            progress=False)
        presser.join()
        assert sweep.interrupted
        assert {run.label: run.status for run in sweep.runs} == {
            "episodes=20": "finished", "episodes=1000000": "interrupted"}
        assert (out / "episodes=20" / "seed-0" / "eval.json").is_file()
        assert not (out / "episodes=1000000").exists()  # its files never came back
        # the cancelled run gave its CPU back: it is not left running on the cluster
        deadline = time.monotonic() + 30
        while ray.available_resources().get("CPU", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ray.available_resources().get("CPU", 0) == 1
    finally:
        ray.shutdown()
