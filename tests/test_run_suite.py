"""`make test`'s runner (tools/run_suite.py): a second pass on generic CPU kernels that really rounds
differently, the right tests in each pass, a truthful time breakdown, and a Ctrl-C that leaves
nothing running."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jupyterlab_browser import require_browser

ROOT = Path(__file__).resolve().parents[1]

# A short training run: a matrix product, tanh, exp, a reduction and Adam, the kernels that decide
# whether a seed gives the same agent. Prints a hash of the trained weights.
TRAIN_AND_HASH = """
import hashlib, torch
torch.manual_seed(0)
net = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Tanh(), torch.nn.Linear(64, 2))
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
x = torch.randn(256, 4)
y = torch.exp(-x[:, :2] ** 2)
for _ in range(50):
    loss = torch.nn.functional.smooth_l1_loss(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(hashlib.sha256(b"".join(p.detach().numpy().tobytes() for p in net.parameters())).hexdigest())
"""


@pytest.fixture
def suite(load_script):
    return load_script("tools/run_suite.py")


def _trained_hash(extra_env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "MKL_CBWR")}
    done = subprocess.run([sys.executable, "-c", TRAIN_AND_HASH], env={**env, **extra_env},
                          capture_output=True, text=True, timeout=120, check=True)
    return done.stdout.strip()


def test_the_generic_kernels_really_round_differently(suite):
    # if a torch release ignored the settings, the second pass would silently test nothing new
    # (that the same kernels repeat a run bit for bit is tested in test_dqn.py and test_ddpg.py)
    native = _trained_hash({})
    assert _trained_hash(suite.GENERIC_KERNELS) != native, \
        "the generic kernels gave the very same weights: the second pass would be moot"


def _collected(arguments: list[str], extra_env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist",
                           *arguments], cwd=ROOT, env={**os.environ, **extra_env},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_the_second_pass_runs_every_notebook_cell_and_only_the_learning_tests(suite):
    paths = ["notebooks/00_start_here.ipynb", "tests/test_dqn.py"]
    (_, first, first_env), (_, second, second_env) = suite.passes(1, paths)
    assert first_env == {} and second_env == suite.GENERIC_KERNELS
    everything = _collected([a for a in first if a != "-p" and a != "no:xdist"], first_env)
    generic = _collected([a for a in second if a != "-p" and a != "no:xdist"], {})
    cells = [node for node in everything if node.startswith("notebooks/00_start_here.ipynb")]
    assert cells and all(node in generic for node in cells), "every cell runs in both passes"
    dqn_generic = [node for node in generic if node.startswith("tests/test_dqn.py")]
    dqn_all = [node for node in everything if node.startswith("tests/test_dqn.py")]
    assert dqn_generic == ["tests/test_dqn.py::test_the_default_config_solves_cartpole_on_several_seeds"]
    assert len(dqn_all) > len(dqn_generic), "the first pass runs the unit tests as well"


@pytest.mark.parametrize("browser", [True, False])
def test_the_full_suite_runs_the_whole_tree_first_and_the_notebooks_and_torch_learning_tests_second(
        suite, browser):
    (_, first, _), (_, second, env) = suite.passes(2, browser=browser)
    assert first[:4] == ["-n", "2", "--dist", "loadfile"]
    assert {"tests", "exercises"} <= set(first) and "-m" not in first
    # the chapters run once per pass: in the browser tests (which compare their stored outputs)
    # where a browser can run, else under nbval
    assert ("notebooks" in first) is not browser
    # the long files lead, so that both workers finish together
    assert first.index("tests/test_browser_dqn.py") < first.index("exercises") < first.index("tests")
    assert first.index("exercises") < first.index("tests/test_sweep.py") < first.index("tests")
    assert {"notebooks", "exercises", "tests/test_dqn.py", "tests/test_ddpg.py"} <= set(second)
    assert second[second.index("-m") + 1] == "notebook or learning"
    assert env == {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


def test_every_chapter_is_compared_with_its_stored_outputs_in_the_first_pass(suite):
    # the browser tests stand in for nbval in the first pass only if they run every chapter and
    # compare outputs by default
    import inspect

    import jupyterlab_browser
    run = {path for module in ("test_browser", "test_browser_dqn", "test_browser_ddpg")
           for path in jupyterlab_browser.notebooks_for(module)}
    assert run == set((ROOT / "notebooks").glob("*.ipynb"))
    assert inspect.signature(jupyterlab_browser.run_notebook).parameters["compare_outputs"].default is True


def test_a_chinese_locale_does_not_change_the_stored_english_verdicts(tmp_path):
    """A learner whose locale is Chinese runs make test: the checks would print Chinese verdicts
    and every exercise would fail nbval against its stored English output, unless the suite says
    which language its outputs are in."""
    notebook = ROOT / "tests" / f"_locale_check_{os.getpid()}.ipynb"
    english = {k: v for k, v in os.environ.items() if not k.startswith(("LANG", "LC_"))}
    store = (  # the notebook as stored: executed in English
        "import nbformat, nbclient, sys\n"
        "cell = nbformat.v4.new_code_cell('from rlcourse.checks import check_epsilon_greedy\\n'\n"
        "    'def epsilon_greedy(q_values, epsilon, rng):\\n    raise NotImplementedError\\n'\n"
        "    'check_epsilon_greedy(epsilon_greedy);')\n"
        "nb = nbformat.v4.new_notebook(cells=[cell])\n"
        "nbclient.NotebookClient(nb, kernel_name='python3', timeout=120).execute()\n"
        "nbformat.write(nb, sys.argv[1])\n")
    try:
        subprocess.run([sys.executable, "-c", store, str(notebook)], env={**english, "LANGUAGE": "en"},
                       check=True, timeout=300, cwd=ROOT)
        assert "not implemented yet" in notebook.read_text()
        done = subprocess.run([sys.executable, "tools/run_suite.py", "--jobs", "1", "--reports", str(tmp_path),
                               "--paths", str(notebook.relative_to(ROOT))], cwd=ROOT,
                              env={**english, "LANG": "zh_CN.UTF-8"}, capture_output=True, text=True, timeout=600)
    finally:
        notebook.unlink(missing_ok=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "2 passed, 0 failed" in done.stdout


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.test_replay" name="test_a" time="1.5"/>
  <testcase classname="tests.test_dqn" name="test_learns" time="40.0">
    <properties><property name="category" value="learning"/></properties></testcase>
  <testcase classname="tests.test_browser_dqn" name="test_chapter" time="90.0"/>
  <testcase classname="tests.test_site" name="test_every_page" time="10.0"/>
  <testcase classname="notebooks.04_dqn.ipynb" name="Cell 3" time="2.0"/>
  <testcase classname="exercises.solutions.04_dqn.ipynb" name="Cell 1" time="0.5">
    <failure message="mismatch"/></testcase>
  <testcase classname="tests.test_doctor" name="test_b" time="0.25"><skipped message="no"/></testcase>
</testsuite></testsuites>
"""


def test_the_breakdown_sums_time_per_part_and_counts_outcomes(suite, tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)
    seconds, counts = suite.read_junit(path)
    assert dict(seconds) == {"unit": 1.75, "learning": 40.0, "browser": 100.0, "notebooks": 2.5}
    assert counts == {"passed": 5, "failed": 1, "skipped": 1}


def test_bad_jobs_is_refused_before_anything_runs(suite, capsys):
    with pytest.raises(SystemExit) as stopped:
        suite.main(["--jobs", "0"])
    assert stopped.value.code == 2
    assert "--jobs must be at least 1, got 0" in capsys.readouterr().err


# --- Ctrl-C ----------------------------------------------------------------------------------------
def _descendants(root: int) -> dict[int, str]:
    """pid -> command line of every living process below ``root``."""
    children: dict[int, list[int]] = {}
    commands = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = {}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = commands.get(child, "")
            todo.append(child)
    return found


def _alive(pid: int, command: str) -> bool:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode() == command
    except OSError:
        return False


class TerminalJob:
    """A command run the way a learner runs ``make test``: by a shell, on a (pseudo-)terminal.

    The shell leads the terminal's session and outlives the command, as a learner's shell does, so
    nothing gets the SIGHUP that a closing terminal would send. Typing Ctrl-C (the byte 0x03) then
    does what it does for a learner: the terminal sends SIGINT to every process of the job, and
    programs that ask the terminal (JupyterLab: "Shutdown this Jupyter server (y/[n])?") see one.
    """

    def __init__(self, command: list[str]) -> None:
        import pty
        import shlex
        import threading

        self.terminal, tty = pty.openpty()
        self.output = b""
        script = f'{shlex.join(command)}; echo "command exit status $?"; exec sleep 300'
        self.shell = subprocess.Popen(["bash", "-c", script], cwd=ROOT, stdin=tty, stdout=tty, stderr=tty,
                                      start_new_session=True,  # a session of its own, our tty its terminal
                                      preexec_fn=self._as_a_terminal_session)
        os.close(tty)
        threading.Thread(target=self._drain, daemon=True).start()

    @staticmethod
    def _as_a_terminal_session() -> None:
        import fcntl
        import termios
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        # a shell at a terminal takes Ctrl-C; a suite started in the background (`make test &`, a
        # CI runner) may have inherited SIGINT ignored, which a learner's terminal never has
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)

    def _drain(self) -> None:  # a terminal shows what is printed; a full buffer would block the job
        try:
            while chunk := os.read(self.terminal, 65536):
                self.output += chunk
        except OSError:
            pass

    def ctrl_c(self) -> None:
        os.write(self.terminal, b"\x03")

    def exit_status(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(rb"command exit status (\d+)", self.output)
            if found:
                return int(found.group(1))
            time.sleep(0.2)
        raise TimeoutError(f"the command did not end in {timeout:.0f} s:\n{self.output[-2000:].decode(errors='replace')}")

    def close(self) -> None:
        os.killpg(self.shell.pid, signal.SIGKILL)
        self.shell.wait()
        os.close(self.terminal)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc (Linux)")
def test_ctrl_c_during_make_test_leaves_no_jupyterlab_chromium_or_kernel_running(tmp_path):
    require_browser()
    # One worker: JupyterLab then reads the terminal itself and answers Ctrl-C by asking whether to
    # shut down, so only the test's own clean-up stops it (under xdist its stdin is a pipe and it
    # stops at once). The kernel is the one JupyterLab starts for the notebook in the browser.
    job = TerminalJob([sys.executable, "tools/run_suite.py", "--jobs", "1", "--paths", "tests/test_browser.py",
                       "--reports", str(tmp_path)])  # not over the reports of the suite running this test
    seen: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            seen.update(_descendants(job.shell.pid))
            commands = " ".join(seen.values())
            if all(name in commands for name in ("jupyterlab", "chromium", "ipykernel")):
                break
            assert b"command exit status" not in job.output, "the suite ended before everything started"
            time.sleep(0.2)
        else:
            pytest.fail(f"JupyterLab, Chromium and a kernel did not all start in time: {sorted(set(seen.values()))}")
        time.sleep(2)  # let them get busy
        seen.update(_descendants(job.shell.pid))
        job.ctrl_c()
        status = job.exit_status(timeout=120)
        deadline = time.monotonic() + 15  # processes that were told to exit may take a moment
        while time.monotonic() < deadline and any(_alive(p, c) for p, c in seen.items()):
            time.sleep(0.5)
        stray = sorted(c[:120] for p, c in seen.items() if _alive(p, c))
    finally:
        job.close()
        for pid, command in seen.items():  # never leave them to the next test either
            if _alive(pid, command):
                os.kill(pid, signal.SIGKILL)
    assert status == 130, job.output[-2000:].decode(errors="replace")
    assert not stray, "left running after Ctrl-C:\n" + "\n".join(stray)
