"""Run notebooks in JupyterLab in headless Chromium, the way a learner would, and check the page.

Used by ``tests/test_browser*.py``. One :class:`JupyterLab` server per test file serves a copy of
the notebooks (a run in the browser must never save outputs into the repository), from the
interpreter that runs the tests, so the kernel is the project's environment. Chromium is Debian's
``/usr/bin/chromium`` driven by Playwright for Python; Playwright's own browser download does not
work here and is never used. ``make browser`` (a prerequisite of ``make test``) installs it.

For each notebook :func:`run_notebook` opens it, runs every cell through the Run menu
(``runmenu:run-all``), waits until the kernel is done, and returns what the page shows:
errors, cells that never ran, widgets that did not render or did not respond to a change of
their value, and the checked cells whose outputs differ from the stored ones by nbval's rules
(tests/stored_outputs.py: make test's first pass takes this run as the chapters' nbval check).
It saves screenshots under ``test-artifacts/browser/``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import stored_outputs

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "browser"

#: Flags for a headless Chromium in a container: no sandbox (root), no GPU, /tmp instead of a
#: small /dev/shm, and none of the background traffic to Google's servers (there is no network).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-first-run",
    "--metrics-recording-only", "--disable-domain-reliability", "--disable-breakpad",
]

#: JupyterLab settings for an unattended run: every cell in the DOM (no windowing, so widgets in
#: cells out of view exist and can be checked), no autosave, no news pop-up asking for consent.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def missing_browser_reason() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-liberation)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed: run `make setup` (it is in the dev extra)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with a random token and port, serving copies of notebooks."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "jupyterlab.log"
        self.root = root = workdir / "root"
        root.mkdir(parents=True, exist_ok=True)
        settings = workdir / "settings"
        for name, values in LAB_SETTINGS.items():
            path = settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = {**os.environ,
               "JUPYTER_CONFIG_DIR": str(workdir / "config"),  # no user config leaks in
               "JUPYTER_RUNTIME_DIR": str(workdir / "runtime"),
               "JUPYTER_DATA_DIR": str(workdir / "data"),  # kernels still come from sys.prefix
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "SDL_VIDEODRIVER": "dummy",
               "RLCOURSE_PROGRESS": "1"}  # progress bars are widgets to check, not noise here
        self._log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={root}",
             f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={workdir / 'ws'}",
             "--LabApp.expose_app_in_browser=True",
             *(["--allow-root"] if os.geteuid() == 0 else [])],  # containers and CI run as root
            cwd=root, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/status?token={self.token}",
                                            timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"JupyterLab was not ready in {timeout:.0f} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def serve(self, notebook: Path, base: Path = ROOT) -> str:
        """Copy the notebook's folder (data it reads comes along) under the server's root, once.

        Returns the notebook's path relative to the root, as in the lab URL.
        """
        relative = notebook.relative_to(base)
        target = self.root / relative.parent
        if not target.exists():
            shutil.copytree(notebook.parent, target, ignore=shutil.ignore_patterns(
                ".ipynb_checkpoints", "__pycache__", "runs"))
        return relative.as_posix()

    def url(self, relative: str) -> str:
        # reset: start from an empty workspace, not with the tabs of the previous notebook
        return f"{self.base_url}/lab/tree/{relative}?reset&token={self.token}"

    def shut_down_kernels(self) -> None:
        """End every session, so the kernel of a finished notebook frees its memory and CPU."""
        headers = {"Authorization": f"token {self.token}"}
        request = urllib.request.Request(f"{self.base_url}/api/sessions", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            sessions = json.load(response)
        for session in sessions:
            urllib.request.urlopen(urllib.request.Request(
                f"{self.base_url}/api/sessions/{session['id']}", headers=headers, method="DELETE"),
                timeout=30).close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log_file.close()


@dataclass
class NotebookReport:
    """What the page showed after running every cell of one notebook."""

    name: str
    seconds: float = 0.0
    code_cells: int = 0
    errors: list[str] = field(default_factory=list)
    not_run: list[int] = field(default_factory=list)
    widgets: int = 0
    broken_widgets: list[str] = field(default_factory=list)
    unresponsive: list[str] = field(default_factory=list)
    interactions: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    broken_videos: list[str] = field(default_factory=list)
    screenshots: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    compared_cells: int = 0
    output_mismatches: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = [f"cell {i} never ran (an earlier cell failed or the run stopped)" for i in self.not_run]
        return (self.errors + found + self.broken_widgets + self.unresponsive + self.broken_videos
                + self.output_mismatches)


# JavaScript run in the page: the notebook's state as JupyterLab's own model holds it.
_STATE_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [];
  for (const cell of panel.content.model.cells) {
    const json = cell.toJSON();
    cells.push({type: json.cell_type, count: json.execution_count === undefined ? null
                : json.execution_count, tags: (json.metadata && json.metadata.tags) || [],
                outputs: (json.outputs || []).map(o => ({type: o.output_type, ename: o.ename,
                evalue: o.evalue, mimes: Object.keys(o.data || {})}))});
  }
  return {kernel: kernel ? kernel.status : 'none', cells: cells};
}"""


def _state(page) -> dict | None:
    return page.evaluate(_STATE_JS)


# Every cell's outputs as JupyterLab's model holds them (nbformat's form), for the comparison with
# the stored outputs (tests/stored_outputs.py); images are not compared, so their bytes stay behind.
_OUTPUTS_JS = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = [];
  for (const cell of panel.content.model.cells) {
    const outputs = cell.toJSON().outputs || [];
    cells.push(outputs.map(o => {
      if (!o.data) return o;
      const data = {};
      for (const [mime, value] of Object.entries(o.data))
        data[mime] = mime.startsWith('image/') ? '' : value;
      return {...o, data: data};
    }));
  }
  return cells;
}"""


def _open(page, lab: JupyterLab, relative: str, timeout_ms: int = 120_000) -> None:
    page.goto(lab.url(relative))
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog .jp-mod-accept")
        if dialog.count():  # e.g. "Select Kernel" for a notebook without kernelspec metadata
            dialog.first.click()
        state = _state(page)
        if state and state["kernel"] == "idle":
            return
        time.sleep(0.3)
    raise TimeoutError(f"{relative}: the kernel was not idle within {timeout_ms / 1000:.0f} s")


def _run_all(page) -> None:
    """Run every cell through the Run menu, as a learner would."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()


def _wait_done(page, name: str, timeout_s: float) -> dict:
    """Wait until every code cell ran (or the run stopped at an error) and the kernel is idle."""
    deadline = time.monotonic() + timeout_s
    settled = 0
    time.sleep(1.0)  # let the first execute request reach the kernel
    while time.monotonic() < deadline:
        state = _state(page)
        code = [c for c in state["cells"] if c["type"] == "code"]
        ran_all = all(c["count"] is not None for c in code)
        failed = any(o["type"] == "error" and "raises-exception" not in c["tags"]
                     for c in code for o in c["outputs"])
        done = state["kernel"] == "idle" and (ran_all or failed)
        settled = settled + 1 if done else 0
        if settled >= 3:  # idle on three polls in a row: not just a gap between two cells
            return state
        time.sleep(0.5)
    raise TimeoutError(f"{name}: the notebook was still running after {timeout_s:.0f} s")


# Interact with each widget the way a hand would, then read back what it shows.
def _check_widgets(page, report: NotebookReport, state: dict, artifact_stem: str) -> None:
    """Each widget output the model holds is rendered, and each widget responds to a change."""
    panel = page.evaluate("window.jupyterapp.shell.currentWidget.id")
    cells = page.locator(f"[id='{panel}'] .jp-Notebook .jp-Cell")
    assert cells.count() == len(state["cells"]), "every cell must be in the DOM (windowingMode none)"
    for index, cell_state in enumerate(state["cells"]):
        expected = sum(WIDGET_MIME in output["mimes"] for output in cell_state["outputs"])
        if not expected:
            continue
        report.widgets += expected
        cell = cells.nth(index)
        # a rendered widget view is a .jupyter-widgets element directly in its output area
        rendered = cell.locator(".jp-OutputArea-output:has(> .jupyter-widgets)").count()
        errors = cell.locator(".jp-OutputArea-output", has_text="Error displaying widget").count()
        if rendered < expected or errors:
            report.broken_widgets.append(f"cell {index}: {expected} widget outputs, {rendered} "
                                         f"rendered, {errors} showing 'Error displaying widget'")
        before = _watched_content(cell)
        changed_any = _interact(page, cell, index, report)
        if changed_any and before is not None and not _wait_changed(cell, before, timeout_s=30):
            report.unresponsive.append(
                f"cell {index}: its widgets took new values but nothing they drive was redrawn "
                "(no answer from the kernel)")
        _wait_idle(page)
        for text in cell.evaluate(_WIDGET_STDERR_JS):
            found = _ERROR_LINE.findall(text) and _ERROR_LINE.finditer(text)
            if found and "raises-exception" not in cell_state["tags"]:
                last = [match.group(0) for match in found][-1]  # "ValueError: what went wrong"
                report.errors.append(f"cell {index}: after its widgets changed, an error shows in "
                                     f"a widget's output: {last}")
        path = ARTIFACTS / f"{artifact_stem}-cell{index:02d}.png"
        cell.screenshot(path=str(path))
        report.screenshots.append(path.name)


# stderr shown inside ipywidgets Output widgets (an explorer's callback failing shows up there,
# not in the cell's own outputs); warnings are stderr too, so the text is matched for an error.
_WIDGET_STDERR_JS = """(cell) => [...cell.querySelectorAll(
  '.widget-output .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')]
  .map(el => el.innerText)"""
#: An IPython traceback's header ("ValueError    Traceback (most recent call last)") or last line.
_ERROR_LINE = re.compile(r"^[\w.]*(Error|Exception|Interrupt|Exit)\b(:.*|\s+Traceback.*)$", re.M)


def _wait_idle(page, timeout_s: float = 60) -> None:
    """Wait for the kernel to be idle on two polls in a row (widget callbacks have finished)."""
    _poll(lambda: _state(page)["kernel"] == "idle" and (time.sleep(0.3) or True)
          and _state(page)["kernel"] == "idle", timeout_s)


_VIDEOS_JS = """(panel) => [...panel.querySelectorAll('.jp-OutputArea-output video')].map(v => ({
  cell: [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].indexOf(v.closest('.jp-Cell')),
  ready: v.readyState, duration: v.duration, width: v.videoWidth, height: v.videoHeight,
  error: v.error ? v.error.message || String(v.error.code) : null}))"""


def _check_videos(page, panel: str, report: NotebookReport, timeout_s: float = 20) -> None:
    """Every video in an output is decoded by the browser: it has a size and a duration."""
    root = page.locator(f"[id='{panel}']")
    # HAVE_CURRENT_DATA (2): the first frame is decoded
    _poll(lambda: all(v["ready"] >= 2 or v["error"] for v in root.evaluate(_VIDEOS_JS)), timeout_s)
    for video in root.evaluate(_VIDEOS_JS):
        where = f"cell {video['cell']}: video"
        if video["ready"] >= 2 and video["width"] > 0 and video["duration"] > 0:
            report.videos.append(f"{where} {video['width']}x{video['height']}, "
                                 f"{video['duration']:.1f} s")
        else:
            report.broken_videos.append(f"{where} does not play (readyState {video['ready']}, "
                                        f"error {video['error']})")


def _watched_content(cell) -> str | None:
    """What a widget's change should redraw: Output widgets, images, Image/HTML/Label widgets.

    None when the cell has none of these (a lone slider or a progress bar drives nothing visible).
    """
    return cell.evaluate("""(cell) => {
      const parts = [...cell.querySelectorAll('.widget-output, .jp-OutputArea-output img, ' +
                      '.widget-html-content, .widget-label, .widget-valid, .widget-image')]
        .filter(el => !el.closest('.widget-readout'))
        .map(el => el.tagName === 'IMG' ? el.src : el.innerHTML);
      return parts.length ? parts.join('\\n') : null;
    }""")


def _wait_changed(cell, before: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if _watched_content(cell) != before:
            return True
        time.sleep(0.25)
    return False


def _interact(page, cell, index: int, report: NotebookReport) -> bool:
    """Change each slider and dropdown, and the first checkbox, toggle and radio button; record it.

    Returns True when at least one widget took a new value.
    """
    changed_any = False
    sliders = cell.locator(".widget-slider:not(.mod-disabled)")
    for k in range(sliders.count()):
        slider = sliders.nth(k)
        readout = slider.locator(".widget-readout")
        handle = slider.locator(".noUi-handle")
        if not readout.count() or not handle.count():
            continue
        before = _readout(readout)
        for key in ("ArrowRight", "ArrowLeft"):  # at its maximum, ArrowRight does nothing
            handle.first.focus()
            page.keyboard.press(key)
            if _poll(lambda: _readout(readout) != before, 5):
                break
        after = _readout(readout)
        if after == before:
            report.unresponsive.append(f"cell {index}: slider {k} readout stayed {before!r} "
                                       "after ArrowRight and ArrowLeft")
        else:
            report.interactions.append(f"cell {index}: slider {k} {before!r} -> {after!r}")
            changed_any = True
    dropdowns = cell.locator(".widget-dropdown select:not([disabled])")
    for k in range(dropdowns.count()):
        select = dropdowns.nth(k)
        values = select.locator("option").evaluate_all("(os) => os.map(o => o.value)")
        before = select.input_value()
        if len(values) < 2:
            continue
        target = values[(values.index(before) + 1) % len(values)] if before in values else values[0]
        select.select_option(target)
        after = select.input_value()
        if after == before:
            report.unresponsive.append(f"cell {index}: dropdown {k} stayed {before!r}")
        else:
            report.interactions.append(f"cell {index}: dropdown {k} {before!r} -> {after!r}")
            changed_any = True
    for kind, selector in (("checkbox", ".widget-checkbox input[type=checkbox]:not([disabled])"),
                           ("toggle button", ".widget-toggle-button:not(.mod-active):not([disabled])"),
                           ("radio button", ".widget-radio-box input[type=radio]:not(:checked)")):
        boxes = cell.locator(selector)
        if not boxes.count():
            continue
        box = boxes.first
        before = box.evaluate("(el) => el.checked === undefined ? el.className : String(el.checked)")
        box.click()
        after = box.evaluate("(el) => el.checked === undefined ? el.className : String(el.checked)")
        if after == before:
            report.unresponsive.append(f"cell {index}: {kind} did not change when clicked")
        else:
            report.interactions.append(f"cell {index}: {kind} clicked")
            changed_any = True
    return changed_any


def _readout(readout) -> str:
    return readout.first.evaluate("(el) => (el.value !== undefined && el.value !== '') ? "
                                  "String(el.value) : el.textContent.trim()")


def _poll(predicate, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def run_notebook(browser, lab: JupyterLab, notebook: Path, *, base: Path = ROOT,
                 timeout_s: float = 1800, compare_outputs: bool = True) -> NotebookReport:
    """Open a copy of ``notebook`` in a fresh page, run all cells, check errors, widgets and videos,
    and (``compare_outputs``) compare each checked cell's outputs with the stored ones by nbval's
    rules (tests/stored_outputs.py), which is what nbval's own run of it would check.

    Screenshots (the page at the end, and each cell with widgets after its widgets were
    changed) and the report as JSON go to ``test-artifacts/browser/``.
    """
    report = NotebookReport(notebook.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = notebook.stem
    start = time.perf_counter()
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.on("console", lambda msg: report.console_errors.append(msg.text[:300])
            if msg.type == "error" else None)
    page.on("pageerror", lambda error: report.console_errors.append(f"page error: {error}"[:300]))
    try:
        _open(page, lab, lab.serve(notebook, base))
        # a copy, so clearing is harmless; cleared counts tell cells that ran from stored ones
        page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
        _run_all(page)
        state = _wait_done(page, notebook.name, timeout_s)
        code = [(i, c) for i, c in enumerate(state["cells"]) if c["type"] == "code"]
        report.code_cells = len(code)
        for i, cell in code:
            for output in cell["outputs"]:
                if output["type"] == "error" and "raises-exception" not in cell["tags"]:
                    report.errors.append(f"cell {i}: {output['ename']}: {output['evalue']}")
        report.not_run = [i for i, cell in code if cell["count"] is None]
        if compare_outputs:  # before the widgets are touched: the outputs of the run itself
            report.compared_cells, report.output_mismatches = stored_outputs.compare(
                notebook, page.evaluate(_OUTPUTS_JS))
        _check_widgets(page, report, state, stem)
        panel = page.evaluate("window.jupyterapp.shell.currentWidget.id")
        _check_videos(page, panel, report)
        page.locator(f"[id='{panel}'] .jp-Notebook .jp-Cell").last.scroll_into_view_if_needed()
    finally:
        path = ARTIFACTS / f"{stem}.png"
        page.screenshot(path=str(path))
        report.screenshots.insert(0, path.name)
        report.seconds = time.perf_counter() - start
        (ARTIFACTS / f"{stem}.json").write_text(json.dumps(report.__dict__, indent=2) + "\n")
        page.close()
        lab.shut_down_kernels()
    return report


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


# --- which test file runs which notebook ----------------------------------------------------------
#: Chapter notebooks that train for minutes get a test file of their own, so that pytest-xdist
#: (``--dist loadfile``: one file per worker at a time) can run them beside the other work instead
#: of one after another. Every other notebook runs in tests/test_browser.py.
OWN_FILES = {"test_browser_dqn": ("04_*.ipynb",), "test_browser_ddpg": ("06_*.ipynb",)}


def notebooks_for(test_module: str) -> list[Path]:
    """The chapter notebooks (``notebooks/*.ipynb``, as found now) that ``test_module`` runs."""
    name = test_module.rsplit(".", 1)[-1]
    every = sorted((ROOT / "notebooks").glob("*.ipynb"))
    elsewhere = {path for patterns in OWN_FILES.values() for pattern in patterns
                 for path in (ROOT / "notebooks").glob(pattern)}
    if name in OWN_FILES:
        return sorted(path for pattern in OWN_FILES[name] for path in (ROOT / "notebooks").glob(pattern))
    return [path for path in every if path not in elsewhere]


def format_problems(report: NotebookReport) -> str:
    lines = [f"{report.name} in JupyterLab ({report.seconds:.0f} s):", *report.problems()]
    if report.console_errors:
        lines += ["browser console errors:", *report.console_errors[:10]]
    lines.append(f"screenshots: {', '.join(report.screenshots)} in {ARTIFACTS.relative_to(ROOT)}/")
    return "\n  ".join(lines)


# --- pytest fixtures: one server and one browser per test file ------------------------------------
def require_browser() -> None:
    """Skip the calling test where Chromium is missing, saying what to install; fail under CI."""
    reason = missing_browser_reason()
    if reason:
        if os.environ.get("CI"):  # CI must run it: `make test` installs the browser first
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    require_browser()
    server = JupyterLab(tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
