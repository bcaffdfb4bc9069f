"""tools/run_suite.py --second-python: the second pass runs in the environment it names (make test:
.venv-oldest), the first pass stays in the suite's own, and the pass's label says which."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def test_the_second_pass_runs_in_the_named_environment_and_says_so(tmp_path):
    # a stand-in environment: its bin/python notes each call, then runs this interpreter
    calls = tmp_path / "calls.txt"
    python = tmp_path / "probe-env" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    # a notebook inside the repository (conftest.py marks its cells), one cell with its output
    folder = ROOT / "test-artifacts" / "second-pass-probe"
    folder.mkdir(parents=True, exist_ok=True)
    notebook = folder / "99_probe.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("print(6 * 7)", execution_count=1,
                                          outputs=[nbformat.v4.new_output("stream", text="42\n")])]
    nbformat.write(nb, notebook)
    try:
        done = subprocess.run(
            [sys.executable, "tools/run_suite.py", "--jobs", "1", "--paths", str(notebook.relative_to(ROOT)),
             "--second-python", str(python), "--reports", str(tmp_path / "reports")],
            cwd=ROOT, capture_output=True, text=True, timeout=300)
    finally:
        shutil.rmtree(folder)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "=== pass 1: this CPU's kernels\n" in done.stdout
    assert "=== pass 2: generic kernels, in probe-env ATEN_CPU_CAPABILITY=default" in done.stdout
    assert "pass 2, generic kernels, in probe-env:" in done.stdout
    # called once, for pass 2 only (pass 1 ran in this interpreter)
    (call,) = calls.read_text().splitlines()
    assert call.startswith("-m pytest") and "-m notebook or learning" in call
    assert done.stdout.rstrip().endswith("suite: 2 passed, 0 failed, 0 skipped")
