"""The course's static site (``make site``, site/build_site.py), built once and read in Chromium.

The build runs from the notebooks' stored outputs into a temporary folder. Every page is then
opened from a local HTTP server in headless Chromium (``jupyterlab_browser.launch_chromium``):
it loads with no failed request, no request leaving the site, no script error; every math element
is typeset by MathJax; every image has pixels and every video its metadata; no stored traceback
and no widget left as its text repr; every link inside the site reaches a built file, and an
anchor a page of it. The same inspection run on a copy of the site broken on purpose must name
each break: the check itself can fail.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from jupyterlab_browser import ROOT, launch_chromium, require_browser

BUILD_SCRIPT = ROOT / "site" / "build_site.py"
_spec = importlib.util.spec_from_file_location("build_site", BUILD_SCRIPT)
build_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_site)

ZH = ROOT / "zh-CN"


def require_site_tools() -> None:
    """Skip where the site's extra is missing, saying what to install; fail under CI."""
    missing = build_site.missing_tools()
    if missing:
        reason = f"the site needs {', '.join(missing)}: run {build_site.INSTALL_HINT}"
        if os.environ.get("CI"):  # make test installs the extra before the suite
            pytest.fail(reason)
        pytest.skip(reason)


@dataclass
class Built:
    html: Path
    output: str
    wall_s: float
    cpu_s: float


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Built:
    require_site_tools()
    out = tmp_path_factory.mktemp("site")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(BUILD_SCRIPT), "--out", str(out)],
                            capture_output=True, text=True, timeout=1200)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = result.stdout + result.stderr
    # warnings are errors in the build (sphinx -W): a zero exit means none was left unaccounted for,
    # and a quiet build prints nothing else (no Python warning either) but its closing line
    assert result.returncode == 0, output
    assert result.stderr == "" and result.stdout.startswith("site: ") and result.stdout.count("\n") == 1, output
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Built(out / "html", output, time.perf_counter() - start, cpu)


@pytest.fixture(scope="module")
def browser():
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@contextmanager
def served(folder: Path):
    """``folder`` over HTTP on 127.0.0.1 (a random port); yields the base address."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def site_pages(html: Path) -> list[str]:
    """Every HTML page of the site, relative to its root (Sphinx's own assets left out)."""
    return sorted(path.relative_to(html).as_posix() for path in html.rglob("*.html")
                  if "_static" not in path.relative_to(html).parts)


#: run in each page once it has loaded: what a reader would see broken
INSPECT_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) await MathJax.startup.promise;
  const videos = [...document.querySelectorAll('video')];
  const deadline = Date.now() + 10000;
  while (videos.some(v => v.readyState < 1 && !v.error) && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 100));
  await Promise.all([...document.images].map(img => img.complete ? null :
    new Promise(r => { img.onload = img.onerror = r; })));
  const maths = [...document.querySelectorAll('.math')];
  return {
    math: maths.length,
    untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60)),
    texErrors: [...document.querySelectorAll('mjx-merror')].map(e => e.textContent.slice(0, 60)),
    images: document.images.length,
    brokenImages: [...document.images].filter(i => !i.naturalWidth).map(i => i.getAttribute('src').slice(0, 80)),
    videos: videos.length,
    brokenVideos: videos.filter(v => v.readyState < 1).map((v, i) => `video ${i}: readyState ${v.readyState}`),
    tracebacks: [...document.querySelectorAll('.output.traceback, .output.error')]
      .filter(e => !e.closest('.tag_raises-exception')).map(e => e.textContent.trim().slice(0, 80)),
    widgetReprs: [...document.querySelectorAll('.cell_output')].map(e => e.textContent)
      .filter(t => /\\b[HV]Box\\(children=|IntSlider\\(|FloatSlider\\(/.test(t)).map(t => t.slice(0, 80)),
    ids: [...document.querySelectorAll('[id], a[name]')].map(e => e.id || e.getAttribute('name')),
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  };
}"""


@dataclass
class Inspection:
    problems: list[str] = field(default_factory=list)
    pages: dict[str, dict] = field(default_factory=dict)

    def total(self, key: str) -> int:
        return sum(page[key] for page in self.pages.values())


def inspect(browser, html: Path, pages: list[str]) -> Inspection:
    """Open each page of the site at ``html`` and list everything a reader would find broken."""
    found = Inspection()
    with served(html) as base:
        context = browser.new_context()
        for name in pages:
            page = context.new_page()
            events: list[str] = []
            page.on("pageerror", lambda error: events.append(f"script error: {error}"))
            page.on("console", lambda message: message.type == "error" and events.append(
                f"console error: {message.text}"))
            page.on("requestfailed", lambda request: events.append(f"request failed: {request.url}"))
            page.on("response", lambda response: response.status >= 400 and events.append(
                f"HTTP {response.status}: {response.url}"))
            page.on("request", lambda request: not request.url.startswith((base, "data:", "blob:"))
                    and events.append(f"loads from outside the site: {request.url}"))
            response = page.goto(base + name, wait_until="load")
            if response is None or response.status != 200:
                found.problems.append(f"{name}: HTTP {response.status if response else 'no response'}")
                continue
            report = page.evaluate(INSPECT_JS)
            page.close()
            found.pages[name] = report
            for key, what in [("untypeset", "math not typeset"), ("texErrors", "TeX error"),
                              ("brokenImages", "image without pixels"), ("brokenVideos", "video not loaded"),
                              ("tracebacks", "error output"), ("widgetReprs", "widget shown as its repr")]:
                found.problems += [f"{name}: {what}: {item}" for item in report[key]]
            found.problems += [f"{name}: {event}" for event in events]
        context.close()
        # every link inside the site: a built file, and for a page's anchor, an id on that page
        for name, report in found.pages.items():
            for link in report["links"]:
                if not link.startswith(base):
                    continue
                address, anchor = urldefrag(link)
                path = unquote(urlparse(address).path).lstrip("/") or "index.html"
                if path.endswith("/"):
                    path += "index.html"
                if not (html / path).is_file():
                    found.problems.append(f"{name}: link to a missing file: {link[len(base):]}")
                elif anchor and path.endswith(".html"):
                    target = found.pages.get(path)
                    if target is not None and anchor not in target["ids"]:
                        found.problems.append(f"{name}: link to a missing anchor: {link[len(base):]}")
    return found


@pytest.fixture(scope="module")
def inspection(site, browser) -> Inspection:
    start = time.perf_counter()
    result = inspect(browser, site.html, site_pages(site.html))
    print(f"\nsite build: {site.wall_s:.0f} s wall, {site.cpu_s:.0f} s CPU; "
          f"{len(result.pages)} pages read in Chromium in {time.perf_counter() - start:.0f} s")
    return result


def expected_pages(prefix: str = "") -> list[str]:
    """The pages the course's sources promise, from the repository itself."""
    base = ROOT / prefix
    pages = ["index.html"]
    pages += [f"notebooks/{path.stem}.html" for path in (base / "notebooks").glob("*.ipynb")]
    pages += [f"exercises/{path.stem}.html" for path in (base / "exercises").glob("*.ipynb")]
    pages += [f"notebooks/{path.stem}.html" for path in (base / "notebooks").glob("glossary.md")]
    return sorted(prefix + page for page in pages)


def test_the_site_holds_every_chapter_exercise_and_the_glossary(site):
    built = set(site_pages(site.html))
    missing = [page for page in expected_pages() if page not in built]
    assert not missing, f"not built: {missing}"
    assert "site:" in site.output and "pages" in site.output, site.output


def test_every_page_loads_with_math_typeset_media_shown_and_links_resolved(inspection):
    assert not inspection.problems, "\n".join(inspection.problems)
    # the inspection saw what it checks: a site without math or videos would pass it vacuously
    assert inspection.total("math") > 100
    assert inspection.total("images") > 20
    assert inspection.total("videos") >= 3  # the agents of 02, 04 and 06


def test_the_check_names_a_broken_link_anchor_image_video_and_math(site, browser, tmp_path):
    broken = tmp_path / "html"
    shutil.copytree(site.html, broken)
    chapter, glossary = "notebooks/02_q_tables.html", "notebooks/glossary.html"
    text = (broken / chapter).read_text()
    image = next(p for p in (broken / "_images").iterdir() if p.name in text)
    image.unlink()
    text = text.replace("<video", '<video src="../_images/no-such-video.mp4"', 1).replace(
        "data:video/mp4;base64,", "data:video/mp4;base64,AAAA", 1)
    (broken / chapter).write_text(text.replace(
        "</article>", '<a href="no_such_page.html">x</a><a href="../index.html#no-such-anchor">y</a></article>', 1))
    (broken / "_static" / "mathjax" / "tex-chtml.js").unlink()
    found = inspect(browser, broken, [chapter, glossary, "index.html"])
    report = "\n".join(found.problems)
    assert f"{chapter}: image without pixels: ../_images/{image.name}" in report, report
    assert f"{chapter}: link to a missing file: notebooks/no_such_page.html" in report, report
    assert f"{chapter}: link to a missing anchor: index.html#no-such-anchor" in report, report
    assert f"{chapter}: video not loaded" in report, report
    assert f"{chapter}: math not typeset" in report, report
    assert "HTTP 404" in report, report


def test_widgets_are_replaced_by_their_static_figures(inspection, site):
    # the step-through of chapter 02 saved a slider and the figure it drew: the page shows both
    chapter = (site.html / "notebooks" / "02_q_tables.html").read_text()
    assert 'class="rlcourse-static-widget rlcourse-control"' in chapter
    assert "application/vnd.jupyter.widget" not in chapter  # no widget view or state left
    assert "@jupyter-widgets" not in chapter and "require.js" not in chapter  # no widget manager
    assert inspection.pages["notebooks/02_q_tables.html"]["images"] >= 8


def test_launch_buttons_open_each_notebook_from_the_repository_in_pyproject(site):
    repository = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]
    owner, repo = urlparse(repository).path.strip("/").split("/")
    for notebook in ["notebooks/04_dqn.ipynb", "exercises/06_ddpg.ipynb"]:
        page = (site.html / notebook).with_suffix(".html").read_text()
        assert (f'href="https://colab.research.google.com/github/{owner}/{repo}/blob/main/{notebook}"'
                in page), notebook
        assert f'href="https://mybinder.org/v2/gh/{owner}/{repo}/main?labpath={notebook}"' in page, notebook
    assert "btn-launch-colab" not in (site.html / "notebooks" / "glossary.html").read_text()  # no notebook


def test_the_landing_page_shows_the_path_with_readme_times(site, inspection):
    readme_rows = build_site.path_table((ROOT / "README.md").read_text())
    assert set(readme_rows) == {f"notebooks/{path.stem}" for path in (ROOT / "notebooks").glob("*.ipynb")}
    landing = (site.html / "index.html").read_text()
    for page, row in readme_rows.items():
        assert f'href="{page}.html"' in landing, page
        assert f"<td><p>{row['time']}</p></td>" in landing, (page, row["time"])
    assert 'href="notebooks/glossary.html"' in landing and 'href="exercises/07_find_the_bug.html"' in landing


@pytest.mark.skipif(not (ZH / "notebooks").is_dir() and not (ZH / "exercises").is_dir(),
                    reason="no Chinese edition yet (zh-CN/notebooks, zh-CN/exercises): nothing to switch to")
def test_every_page_links_to_itself_in_the_other_language(site, inspection):
    english = [page for page in inspection.pages if not page.startswith("zh-CN/")]
    chinese = [page for page in inspection.pages if page.startswith("zh-CN/")]
    assert set(expected_pages("zh-CN/")) <= set(chinese)
    for page in english:
        switch = [link for link in inspection.pages[page]["links"] if "/zh-CN/" in link]
        target = "zh-CN/" + page if "zh-CN/" + page in inspection.pages else "zh-CN/index.html"
        assert any(link.endswith("/" + target) for link in switch), (page, switch)
    for page in chinese:
        back = page.removeprefix("zh-CN/")
        target = back if back in inspection.pages else "index.html"
        assert any(urlparse(link).path == "/" + target for link in inspection.pages[page]["links"]), page


def test_without_the_site_tools_the_build_says_what_to_install_in_one_line(tmp_path):
    # -S: the interpreter's standard library only, so neither Sphinx nor MyST-NB can be imported
    result = subprocess.run([sys.executable, "-S", str(BUILD_SCRIPT), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "sphinx" in lines[0] and "make site" in lines[0], result.stderr


def _widget_notebook(state: dict, model_id: str):
    import nbformat

    cell = nbformat.v4.new_code_cell("explorer()", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/plain": "VBox(...)", build_site.WIDGET_VIEW: {
            "model_id": model_id, "version_major": 2, "version_minor": 0}})])
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["widgets"] = {build_site.WIDGET_STATE: {"state": state, "version_major": 2, "version_minor": 0}}
    return nb


def test_a_widget_becomes_its_saved_figure_and_its_controls_values():
    def model(name, **state):
        return {"model_name": name, "model_module": "@jupyter-widgets/controls", "state": state}

    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}
    state = {
        "box": model("VBoxModel", children=["IPY_MODEL_slider", "IPY_MODEL_angle", "IPY_MODEL_out", "IPY_MODEL_bar"]),
        "slider": model("IntSliderModel", description="episode", value=250, min=250, max=5000),
        "angle": model("FloatSliderModel", description="angle θ", value=0.5, min=-3.141592653589793,
                       max=3.141592653589793),
        "out": model("OutputModel", outputs=[figure]),
        "bar": model("HBoxModel", children=["IPY_MODEL_left", "IPY_MODEL_progress", "IPY_MODEL_right"]),
        "left": model("HTMLModel", value="DQN\u2007CartPole-v1:\u2007100%"),
        "progress": model("FloatProgressModel", value=50.0, max=50.0),
        "right": model("HTMLModel", value="\u200750/50\u2007[00:01&lt;00:00]"),
    }
    nb = build_site.make_static(_widget_notebook(state, "box"), "scratch.ipynb", "en")
    outputs = nb.cells[0].outputs
    assert [output.data["text/plain"] for output in outputs] == [
        "episode = 250 (250 … 5000)", "angle θ = 0.5 (-3.142 … 3.142)", "<Figure>", "DQN CartPole-v1: 100% 50/50 [00:01<00:00]"]
    assert '<progress max="50.0" value="50.0">' in outputs[3].data["text/html"]
    assert "widgets" not in nb.metadata


def test_a_widget_without_saved_state_or_a_stored_error_stops_the_build_with_what_to_do():
    with pytest.raises(build_site.SiteError, match=r"scratch.ipynb cell 0 shows widget 'gone' but the "
                                                   r"notebook stores no state for it: re-run it with make notebooks"):
        build_site.make_static(_widget_notebook({}, "gone"), "scratch.ipynb", "en")
    import nbformat

    failing = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1/0", outputs=[
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])])])
    with pytest.raises(build_site.SiteError, match="cell 0 stores an error .ZeroDivisionError"):
        build_site.make_static(failing, "scratch.ipynb", "en")


def test_a_chapter_missing_from_readmes_table_stops_the_build_with_what_to_add():
    readme = (ROOT / "README.md").read_text()
    with pytest.raises(build_site.SiteError, match=r"notebooks/09_new: no row in README.md's table of the path"):
        build_site.landing_page("en", ["notebooks/00_start_here", "notebooks/09_new"], readme, "", readme)
    guide = (ROOT / "exercises" / "README.md").read_text()
    page = build_site.landing_page("en", ["notebooks/02_q_tables", "exercises/02_q_tables"], readme, guide, readme)
    row = next(line for line in page.splitlines() if "[02_q_tables](exercises/02_q_tables.ipynb)" in line)
    boxes = build_site.exercise_boxes(guide)["02_q_tables"]  # the guide's three 10-minute boxes
    assert f"(time box {sum(int(box.split()[0]) for box in boxes)} min)" in row, row
