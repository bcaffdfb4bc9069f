"""Measure what each notebook costs a shared hub: peak memory and CPU seconds in its own kernel.

    .venv/bin/python tools/measure_sizing.py [NOTEBOOK ...] [--json OUT.json]

With no paths: every chapter notebook and every exercise (learner version with its stubs, as a
learner first runs it, and solution). Each notebook runs top to bottom in a fresh kernel (nbclient,
as nbval does); a thread samples the kernel's whole process tree (the kernel and any worker
processes it starts, such as ``train_seeds``'s) every 50 ms. Reported per notebook:

* ``peak_mib``: the highest sum of resident memory over that tree, in MiB;
* ``cpu_s``: user + system CPU seconds of the tree (processes that ended are counted through the
  last sample that saw them, so a worker shorter than 50 ms can be missed: a lower bound);
* ``wall_s``: wall seconds, which depend on how loaded the machine was (CPU seconds much less so).

It also measures one idle JupyterLab single-user server, the part of a learner's memory that no
notebook accounts for. ``docs/workshop.md`` turns these numbers into a hub's sizing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


class TreeSampler(threading.Thread):
    """Samples RSS and CPU times of a process and its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak_rss = 0
        self.cpu: dict[int, float] = {}  # pid -> last seen user+sys seconds
        self._halt = threading.Event()

    def sample(self) -> None:
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return
        rss = 0
        for p in procs:
            try:
                with p.oneshot():
                    rss += p.memory_info().rss
                    t = p.cpu_times()
                    self.cpu[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                continue
        self.peak_rss = max(self.peak_rss, rss)

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self.sample()
        self._halt.set()
        self.join()


def measure_notebook(path: Path, timeout: int = 900) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        sampler = TreeSampler(client.km.provisioner.process.pid)
        sampler.start()
        try:
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)
        finally:
            sampler.stop()
    return {"notebook": str(path.relative_to(ROOT)), "peak_mib": round(sampler.peak_rss / MIB),
            "cpu_s": round(sum(sampler.cpu.values()), 1),
            "wall_s": round(time.perf_counter() - start, 1)}


def measure_lab_server(settle_s: float = 15.0) -> dict:
    """RSS of an idle `jupyter lab` server (one learner's single-user server on a hub)."""
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": home, "JUPYTER_CONFIG_DIR": home}
        args = [str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
                "--port=0", f"--ServerApp.root_dir={ROOT}", "--IdentityProvider.token=x"]
        if os.geteuid() == 0:
            args.append("--allow-root")
        proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(settle_s)
            rss = psutil.Process(proc.pid).memory_info().rss
        finally:
            proc.terminate()
            proc.wait(30)
    return {"notebook": "(idle JupyterLab server)", "peak_mib": round(rss / MIB),
            "cpu_s": None, "wall_s": None}


# What a hub machine keeps for itself (the OS, JupyterHub, its proxy): not lent to learners
RESERVED_GIB = 4


def hub_capacity(rows: list[dict], cores: int = 16, mem_gib: float = 64, all_at_once_s: float = 300,
                 kernels_per_learner: int = 1) -> dict:
    """How many learners one hub machine holds, by memory and by CPU.

    Memory: each learner has one single-user server (the idle JupyterLab row) and
    ``kernels_per_learner`` kernels, each at the peak of the heaviest notebook; ``RESERVED_GIB`` stay
    with the machine. CPU: the worst moment of a workshop is every learner starting the heaviest
    notebook at once; each should see it finish within ``all_at_once_s`` seconds, so the machine's
    ``cores * all_at_once_s`` CPU seconds are shared by everyone's ``cpu_s`` of that notebook.
    """
    server = next(r["peak_mib"] for r in rows if r["cpu_s"] is None)
    notebooks = [r for r in rows if r["cpu_s"] is not None]
    if not notebooks:
        raise ValueError("no notebook rows to size from: run the tool on at least one notebook")
    heaviest_mem = max(notebooks, key=lambda r: r["peak_mib"])
    heaviest_cpu = max(notebooks, key=lambda r: r["cpu_s"])
    per_learner_mib = server + kernels_per_learner * heaviest_mem["peak_mib"]
    by_memory = int((mem_gib - RESERVED_GIB) * 1024 // per_learner_mib)
    by_cpu = int(cores * all_at_once_s // heaviest_cpu["cpu_s"])
    return {"per_learner_mib": per_learner_mib, "by_memory": by_memory, "by_cpu": by_cpu,
            "learners": min(by_memory, by_cpu), "heaviest_memory": heaviest_mem["notebook"],
            "heaviest_cpu": heaviest_cpu["notebook"]}


def markdown_table(rows: list[dict]) -> str:
    lines = ["| notebook | peak memory (MiB) | CPU seconds | wall seconds |", "|---|---:|---:|---:|"]
    for r in rows:
        cpu = "" if r["cpu_s"] is None else f"{r['cpu_s']:.0f}"
        wall = "" if r["wall_s"] is None else f"{r['wall_s']:.0f}"
        lines.append(f"| `{r['notebook']}` | {r['peak_mib']} | {cpu} | {wall} |")
    return "\n".join(lines)


def capacity_markdown(rows: list[dict], cores: int = 16, mem_gib: float = 64) -> str:
    one = hub_capacity(rows, cores, mem_gib)
    two = hub_capacity(rows, cores, mem_gib, kernels_per_learner=2)
    heaviest_cpu = max(r["cpu_s"] for r in rows if r["cpu_s"] is not None)
    server = next(r["peak_mib"] for r in rows if r["cpu_s"] is None)
    heaviest_mib = max(r["peak_mib"] for r in rows if r["cpu_s"] is not None)
    return "\n".join([
        f"- **Memory**: a learner holds one JupyterLab server ({server} MiB) and one kernel at the peak of "
        f"the heaviest notebook (`{one['heaviest_memory']}`, {heaviest_mib} MiB): {one['per_learner_mib']} MiB. "
        f"With {RESERVED_GIB} GB kept for the system, {mem_gib - RESERVED_GIB} GB hold **{one['by_memory']}** "
        f"learners; **{two['by_memory']}** if every learner leaves a second kernel running (an earlier "
        "notebook not shut down: the usual case, so set `limits.memory` with room for two).",
        f"- **CPU**: the worst moment is the whole room starting the heaviest notebook at once "
        f"(`{one['heaviest_cpu']}`, {heaviest_cpu:.0f} CPU seconds). For everyone to see it finish within "
        f"5 minutes, {cores} cores × 300 s are shared: **{one['by_cpu']}** learners. Staggered starts "
        "(the usual case when learners read as they go) hold more.",
        f"- **So one {cores}-core / {mem_gib} GB machine holds about {min(two['by_memory'], one['by_cpu'])} "
        "learners** (the smaller of the CPU figure and the memory figure with two kernels each). "
        "CPU is what runs out first when the room trains together: for a larger room, start the "
        "long notebooks in two waves or add a second machine.",
    ])


DOC = ROOT / "docs" / "workshop.md"


def render_doc(rows: list[dict], text: str) -> str:
    """``text`` (docs/workshop.md) with its generated sizing sections replaced from ``rows``."""
    for marker, body in (("sizing-table", markdown_table(rows)), ("sizing-capacity", capacity_markdown(rows))):
        start = text.index(f"<!-- {marker}")
        start = text.index("-->", start) + len("-->")
        end = text.index(f"<!-- /{marker} -->")
        text = text[:start] + "\n" + body + "\n" + text[end:]
    return text


def default_paths() -> list[Path]:
    return [*sorted((ROOT / "notebooks").glob("*.ipynb")), *sorted((ROOT / "exercises").glob("*.ipynb")),
            *sorted((ROOT / "exercises" / "solutions").glob("*.ipynb"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument("--markdown", type=Path, metavar="JSON",
                        help="measure nothing: write the table and the hub sizing of a stored JSON into docs/workshop.md")
    args = parser.parse_args(argv)
    if args.markdown:
        rows = json.loads(args.markdown.read_text())["rows"]
        DOC.write_text(render_doc(rows, DOC.read_text()))
        print(f"{DOC.relative_to(ROOT)}: sizing table and capacity written from {args.markdown}")
        return 0
    paths = [p.resolve() for p in args.paths] or default_paths()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    rows = [measure_lab_server()]
    print(f"{'notebook':52} {'peak MiB':>9} {'CPU s':>7} {'wall s':>7}", flush=True)
    print(f"{rows[0]['notebook']:52} {rows[0]['peak_mib']:9}", flush=True)
    for path in paths:
        row = measure_notebook(path)
        rows.append(row)
        print(f"{row['notebook']:52} {row['peak_mib']:9} {row['cpu_s']:7} {row['wall_s']:7}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                                     "processor": platform.processor()},
                                         "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
