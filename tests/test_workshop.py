"""The workshop kit (docs/workshop.md): plans that cover the course and add up, sizing that comes from
measurements of today's notebooks, and hand-out links made from the repository's one address."""

import json
import re
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import measure_sizing  # noqa: E402
import workshop_link  # noqa: E402

DOC = ROOT / "docs" / "workshop.md"
SIZING = ROOT / "benchmarks" / "results" / "sizing.json"


def plan_rows(heading: str) -> list[list[str]]:
    """The rows of the markdown table under ``heading`` in docs/workshop.md, as lists of cells."""
    text = DOC.read_text()
    section = text[text.index(heading):]
    section = section[:section.index("\n## ", 1)]
    rows = [line.strip().strip("|").split("|") for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row] for row in rows[2:]]  # drop the header and the rule


def minutes(clock: str) -> int:
    hours, mins = clock.split(":")
    return int(hours) * 60 + int(mins)


def box(cell: str) -> int:
    match = re.fullmatch(r"(\d+) min", cell)
    assert match, f"a time box must read 'N min', not {cell!r}"
    return int(match.group(1))


def course_notebooks() -> set[str]:
    return {f"{p.parent.name}/{p.stem}" for folder in ("notebooks", "exercises")
            for p in (ROOT / folder).glob("*.ipynb")}


def check_day(rows: list[list[str]], time_col: int, box_col: int, end: str) -> None:
    for row, following in zip(rows, rows[1:]):
        assert minutes(row[time_col]) + box(row[box_col]) == minutes(following[time_col]), (
            f"{row[time_col]} + {row[box_col]} does not reach the next block at {following[time_col]}")
    assert minutes(rows[-1][time_col]) + box(rows[-1][box_col]) <= minutes(end)


def named_notebooks(rows: list[list[str]], col: int) -> set[str]:
    return {cell.strip("`") for row in rows for cell in [row[col]] if cell}


def test_the_one_day_plan_adds_up_and_names_only_real_notebooks():
    rows = plan_rows("## One-day plan")
    check_day(rows, 0, 3, "17:00")
    named = named_notebooks(rows, 2)
    assert named <= course_notebooks(), f"not in the course: {sorted(named - course_notebooks())}"
    chapters = {n for n in course_notebooks() if n.startswith("notebooks/")}
    assert chapters <= named, f"the one-day plan skips {sorted(chapters - named)}"
    left_out = course_notebooks() - named  # the exercises the day leaves out are named as homework
    homework = DOC.read_text().split("Left as homework", 1)[1].split("\n## ", 1)[0]
    assert all(f"`{n}`" in homework for n in left_out), f"not named as homework: {sorted(left_out)}"


def test_the_two_day_plan_covers_every_notebook_and_exercise_and_adds_up():
    rows = plan_rows("## Two-day plan")
    for day in ("1", "2"):
        check_day([r for r in rows if r[0] == day], 1, 4, "17:00")
    named = named_notebooks(rows, 3)
    assert named == course_notebooks(), (
        f"missing: {sorted(course_notebooks() - named)}; not in the course: {sorted(named - course_notebooks())}")


def test_the_plan_checker_catches_a_block_that_overruns():
    rows = [["09:00", "a", "", "30 min"], ["09:20", "b", "", "10 min"]]
    with pytest.raises(AssertionError, match="does not reach"):
        check_day(rows, 0, 3, "17:00")


def test_the_sizing_covers_every_notebook_and_the_doc_shows_the_stored_measurements():
    stored = json.loads(SIZING.read_text())["rows"]
    measured = {r["notebook"] for r in stored}
    expected = {str(p.relative_to(ROOT)) for p in measure_sizing.default_paths()}
    assert expected <= measured, f"measure these and store them: {sorted(expected - measured)}"
    assert all(r["peak_mib"] > 0 for r in stored)
    assert all(r["cpu_s"] > 0 for r in stored if r["cpu_s"] is not None)
    text = DOC.read_text()
    assert measure_sizing.render_doc(stored, text) == text, (
        "docs/workshop.md's sizing sections are not those of benchmarks/results/sizing.json: run "
        "tools/measure_sizing.py --markdown benchmarks/results/sizing.json")


def test_hub_capacity_by_hand():
    rows = [{"notebook": "(idle JupyterLab server)", "peak_mib": 100, "cpu_s": None, "wall_s": None},
            {"notebook": "a", "peak_mib": 400, "cpu_s": 30.0, "wall_s": 20.0},
            {"notebook": "b", "peak_mib": 924, "cpu_s": 200.0, "wall_s": 150.0}]
    cap = measure_sizing.hub_capacity(rows, cores=16, mem_gib=64, all_at_once_s=300)
    # memory: (64 - 4) GiB = 61,440 MiB over 100 + 924 = 1,024 MiB each -> 60 learners
    assert cap["per_learner_mib"] == 1024 and cap["by_memory"] == 60
    # CPU: 16 cores x 300 s = 4,800 CPU-s over the heaviest notebook's 200 -> 24 learners
    assert cap["by_cpu"] == 24 and cap["learners"] == 24
    assert cap["heaviest_memory"] == cap["heaviest_cpu"] == "b"
    two = measure_sizing.hub_capacity(rows, cores=16, mem_gib=64, kernels_per_learner=2)
    assert two["per_learner_mib"] == 100 + 2 * 924 and two["by_memory"] == 61440 // 1948


def test_the_tree_sampler_counts_a_worker_process_memory_and_cpu(tmp_path):
    """The sampler sums the whole process tree: a child that allocates and spins is seen."""
    import subprocess
    import time
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'import time; x = bytearray(200 * 2**20); t = time.process_time()\\n"
            "while time.process_time() - t < 1.0: pass'])")
    proc = subprocess.Popen([sys.executable, "-c", code])
    sampler = measure_sizing.TreeSampler(proc.pid, interval=0.02)
    sampler.start()
    proc.wait(30)
    time.sleep(0.05)
    sampler.stop()
    assert sampler.peak_rss > 200 * 2**20, "the child's 200 MiB were not counted"
    assert sum(sampler.cpu.values()) >= 0.9, "the child's CPU second was not counted"


def test_the_nbgitpuller_link_opens_the_notebook_in_a_clone_of_the_repository():
    repo = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    link = workshop_link.nbgitpuller_link("https://hub.example.org/", "exercises/04_dqn.ipynb")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    query = parse_qs(parts.query)
    folder = repo.rstrip("/").split("/")[-1]
    assert query == {"repo": [repo], "branch": ["main"], "urlpath": [f"lab/tree/{folder}/exercises/04_dqn.ipynb"]}


@pytest.mark.parametrize("argv, message", [
    (["hub.example.org"], "must be an address such as https://"),
    (["https://hub.example.org", "notebooks/99_none.ipynb"], "is not a file of the course"),
])
def test_the_link_tool_says_what_was_wrong(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        workshop_link.main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
