"""Build the course's static site from the notebooks' stored outputs, without executing anything.

    make site                  # installs the `site` extra, then runs this
    .venv/bin/python site/build_site.py [--out build/site]

The site holds every chapter notebook (``notebooks/*.ipynb``), the glossary, the exercises'
instructors' guide and every exercise in its learner version (``exercises/*.ipynb``), and a landing
page with the path and each notebook's time, read from README's table (the one source of those
times). Where ``zh-CN/notebooks`` or ``zh-CN/exercises`` exist, the Chinese edition is built beside
it under ``zh-CN/``, and every page links to the same page in the other language.

The pages are rendered by Sphinx with MyST-NB and the Sphinx Book Theme, all from PyPI: Jupyter
Book 2 (MyST) downloads its HTML theme from its own server on the first build, which is out of reach
where only the package registries are. MathJax comes from the ``sphinx-mathjax-offline`` wheel,
so math is typeset with no CDN.

Sources are first copied to ``OUT/src/LANG/`` and changed there, never in the repository: each
ipywidget output becomes its static form, made from the widget state the notebook stores (a slider
becomes a line naming its value and range, an Output widget its stored figure, a progress bar
its final text and bar), because no kernel runs behind a static page. Sphinx then writes
``OUT/html/`` (English) and ``OUT/html/zh-CN/`` with warnings as errors.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"

#: what the site needs, by the module it imports, and the name pip installs it by
TOOLS = {"sphinx": "sphinx", "myst_nb": "myst-nb", "sphinx_book_theme": "sphinx-book-theme",
         "nbformat": "nbformat"}
INSTALL_HINT = "make site (or: .venv/bin/python -m pip install -c constraints.txt -e '.[site]')"

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"

#: The languages the site can have: the folder of each one's sources (relative to the repository),
#: its README, its Sphinx language code and the label of the link that switches to it.
LANGUAGES = {
    "en": {"prefix": "", "readme": "README.md", "sphinx": "en", "label": "English"},
    "zh-CN": {"prefix": "zh-CN/", "readme": "README.zh-CN.md", "sphinx": "zh_CN", "label": "中文"},
}

#: words the static pages add, per language
WORDS = {
    "en": {"title": "rlcourse: deep RL from Q-tables to DDPG",
           "interactive": "interactive when you run the notebook", "path": "The path",
           "chapter": "chapter", "leave": "what you leave with", "runs": "runs in",
           "exercise": "exercise", "timebox": "time box",
           "exercises": "Exercises", "more": "More", "glossary": "Glossary",
           "guide": "Exercises: instructors' guide", "chapters": "Chapters"},
    "zh-CN": {"title": "rlcourse：从 Q 表到 DDPG 的深度强化学习",
              "interactive": "运行笔记本时可交互", "path": "学习路线",
              "chapter": "章节", "leave": "学完能做什么", "runs": "运行时间",
              "exercise": "练习", "timebox": "建议用时",
              "exercises": "练习", "more": "更多", "glossary": "术语表",
              "guide": "练习：教师指南", "chapters": "章节"},
}


class SiteError(Exception):
    """A problem with the course's sources that the site cannot be built around."""


def missing_tools() -> list[str]:
    return [pip_name for module, pip_name in TOOLS.items() if importlib.util.find_spec(module) is None]


# --- widgets -------------------------------------------------------------------------------------
def _model(state: dict, ref: str) -> dict:
    model_id = ref.removeprefix("IPY_MODEL_")
    if model_id not in state:
        raise KeyError(model_id)
    return state[model_id]


def _text(value: str) -> str:
    """An HTML widget's value as plain text (tqdm writes figure spaces and escaped markup)."""
    return html.unescape(re.sub(r"<[^>]+>", "", value)).replace("\u2007", " ").strip()


def _html_output(markup: str, plain: str) -> dict:
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/html": markup, "text/plain": plain}}


def widget_outputs(state: dict, ref: str, lang: str) -> list[dict]:
    """The static outputs that stand for the widget ``ref``: what it showed when it was saved."""
    model = _model(state, ref)
    name, values = model["model_name"], model["state"]
    children = values.get("children", [])
    kinds = [_model(state, child)["model_name"] for child in children]
    if name == "HBoxModel" and len(kinds) == 3 and kinds[1] in ("FloatProgressModel", "IntProgressModel"):
        # tqdm.auto's bar: a label, the bar, the counts and rate
        left, bar, right = (_model(state, child)["state"] for child in children)
        plain = f"{_text(left.get('value', ''))} {_text(right.get('value', ''))}".strip()
        markup = (f'<div class="rlcourse-static-widget rlcourse-progress">'
                  f'<span>{html.escape(_text(left.get("value", "")))}</span> '
                  f'<progress max="{bar.get("max", 100)}" value="{bar.get("value", 0)}"></progress> '
                  f'<span>{html.escape(_text(right.get("value", "")))}</span></div>')
        return [_html_output(markup, plain)]
    if children:
        return [output for child in children for output in widget_outputs(state, child, lang)]
    if name == "OutputModel":
        return [output for stored in values.get("outputs", []) for output in static_outputs(stored, state, lang)]
    if name in ("HTMLModel", "HTMLMathModel", "LabelModel"):
        return [_html_output(f'<div class="rlcourse-static-widget">{values.get("value", "")}</div>',
                             _text(values.get("value", "")))]
    if name.endswith("StyleModel") or name == "LayoutModel":
        return []
    # a control (slider, dropdown, checkbox, ...): its value when saved, and its range
    def shown(number):  # a float slider's bounds may be ±π: four significant digits say enough
        return f"{number:.4g}" if isinstance(number, float) else number

    value = shown(values.get("value", ""))
    if "options" in values or "_options_labels" in values:
        labels = values.get("_options_labels", values.get("options", []))
        index = values.get("index")
        value = labels[index] if isinstance(index, int) and 0 <= index < len(labels) else value
        span = ", ".join(map(str, labels))
    elif "min" in values and "max" in values:
        span = f"{shown(values['min'])} … {shown(values['max'])}"
    else:
        span = ""
    label = values.get("description") or name.removesuffix("Model")
    plain = f"{label} = {value}" + (f" ({span})" if span else "")
    markup = (f'<div class="rlcourse-static-widget rlcourse-control"><strong>{html.escape(str(label))}'
              f'</strong> = {html.escape(str(value))}' + (f" <span>({html.escape(span)})</span>" if span else "")
              + f' <em>{WORDS[lang]["interactive"]}</em></div>')
    return [_html_output(markup, plain)]


def static_outputs(output: dict, state: dict, lang: str) -> list[dict]:
    """``output`` itself, or, for a widget view, the static outputs that replace it."""
    view = output.get("data", {}).get(WIDGET_VIEW) if output.get("output_type") in (
        "display_data", "execute_result") else None
    if view is None:
        return [output]
    return widget_outputs(state, view["model_id"], lang)


def make_static(nb, where: str, lang: str):
    """Replace every widget output of ``nb`` by its static form; drop the widget state."""
    from nbformat import from_dict

    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        replaced = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and "raises-exception" not in tags:
                raise SiteError(f"{where} cell {index} stores an error ({output.get('ename')}: "
                                f"{output.get('evalue')}): fix the cell and re-run the notebook "
                                f"(make notebooks NB={where})")
            try:
                replaced.extend(static_outputs(output, state, lang))
            except KeyError as missing:
                raise SiteError(f"{where} cell {index} shows widget {missing} but the notebook stores no "
                                f"state for it: re-run it with make notebooks NB={where}, which saves "
                                "the widget state") from None
        cell.outputs = [from_dict(output) for output in replaced]
    # without state no page loads the widget manager (from a CDN) for views that are gone anyway
    nb.metadata.pop("widgets", None)
    return nb


# --- the landing page ----------------------------------------------------------------------------
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+\.ipynb)\)")


def table_rows(markdown: str) -> list[list[str]]:
    """The cells of every table row that links a notebook, in order."""
    rows = []
    for line in markdown.splitlines():
        if line.startswith("|") and LINK.search(line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def path_table(readme: str) -> dict[str, dict]:
    """README's table of the path: for each chapter page, its title, what it leaves and its time."""
    chapters = {}
    for cells in table_rows(readme):
        title, target = LINK.search(cells[1]).groups()
        page = "notebooks/" + Path(target).stem
        chapters[page] = {"number": cells[0], "title": title, "leave": cells[2], "time": cells[-1]}
    return chapters


def exercise_boxes(guide: str) -> dict[str, list[str]]:
    """The exercises guide's time boxes, per exercise notebook (rows after a notebook's own row)."""
    boxes: dict[str, list[str]] = {}
    current = None
    for line in guide.splitlines():
        if not line.startswith("|") or line.startswith("|---"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        first = re.fullmatch(r"`(\d\d_\w+)`", cells[0])
        if first:
            current = first.group(1)
        if current and re.search(r"\d+\s*min", cells[-1]):
            boxes.setdefault(current, []).append(cells[-1])
    return boxes


def landing_page(lang: str, pages: list[str], readme: str, guide: str, english_readme: str) -> str:
    words = WORDS[lang]
    title = next(line[2:] for line in readme.splitlines() if line.startswith("# "))
    chapters = path_table(english_readme)
    translated = path_table(readme)
    for page, row in translated.items():  # the times stay the English README's: the same notebooks
        chapters.setdefault(page, row).update({k: row[k] for k in ("title", "leave")})
    boxes = exercise_boxes(guide)
    missing = [page for page in pages if page.startswith("notebooks/") and page not in chapters
               and page != "notebooks/glossary"]
    if missing:
        raise SiteError(f"{', '.join(missing)}: no row in {LANGUAGES['en']['readme']}'s table of the path "
                        "(| # | [title](notebooks/NN_name.ipynb) | what you leave with | runs in |): add one")
    lines = [f"# {title}", "", (SITE / f"landing.{lang}.md").read_text().strip(), "",
             f"## {words['path']}", "",
             f"| # | {words['chapter']} | {words['leave']} | {words['runs']} | {words['exercise']} |",
             "|---|---|---|---|---|"]

    def exercise_cell(page: str) -> str:
        name = page.split("/")[1]
        times = boxes.get(name, [])
        minutes = [re.fullmatch(r"(\d+) min", box) for box in times]
        box = f"{sum(int(m.group(1)) for m in minutes)} min" if times and all(minutes) else ", ".join(times)
        return f"[{name}]({page}.ipynb)" + (f" ({words['timebox']} {box})" if box else "")

    for page in pages:
        if page in chapters:
            row, exercise = chapters[page], "exercises/" + page.split("/")[1]
            lines.append(f"| {row['number']} | [{row['title']}]({page}.ipynb) | {row['leave']} | {row['time']} "
                         f"| {exercise_cell(exercise) if exercise in pages else ''} |")
    for page in pages:  # exercises without a chapter of their own (find the bug) close the path
        name = page.split("/")[1]
        if page.startswith("exercises/") and "notebooks/" + name not in chapters and name != "README":
            lines.append(f"| | | | | {exercise_cell(page)} |")
    more = [f"[{words[key]}]({page}.md)" for key, page in (("glossary", "notebooks/glossary"),
                                                           ("guide", "exercises/README")) if page in pages]
    lines += ["", " · ".join(more), ""]
    toc = [("chapters", [p for p in pages if p.startswith("notebooks/") and p != "notebooks/glossary"]),
           ("exercises", [p for p in pages if p.startswith("exercises/")]),
           ("more", [p for p in pages if p == "notebooks/glossary"])]
    for caption, entries in toc:
        if entries:
            lines += ["```{toctree}", ":hidden:", f":caption: {words[caption]}", "", *entries, "```", ""]
    return "\n".join(lines)


# --- staging and building ------------------------------------------------------------------------
def language_pages(lang: str) -> list[tuple[str, Path]]:
    """(page name, source file) of every page of a language, in reading order."""
    base = ROOT / LANGUAGES[lang]["prefix"]
    found = [(f"notebooks/{path.stem}", path) for path in sorted((base / "notebooks").glob("*.ipynb"))]
    glossary = base / "notebooks" / "glossary.md"
    if glossary.exists():
        found.append(("notebooks/glossary", glossary))
    guide = base / "exercises" / "README.md"
    if guide.exists():
        found.append(("exercises/README", guide))
    found += [(f"exercises/{path.stem}", path) for path in sorted((base / "exercises").glob("*.ipynb"))]
    return found


def languages() -> list[str]:
    """English, and each other language whose notebooks or exercises exist."""
    return ["en"] + [lang for lang, spec in LANGUAGES.items() if lang != "en" and any(
        (ROOT / spec["prefix"] / folder).is_dir() for folder in ("notebooks", "exercises"))]


def stage(lang: str, src: Path, others: dict[str, list[str]]) -> list[str]:
    import nbformat

    spec = LANGUAGES[lang]
    pages = language_pages(lang)
    for page, path in pages:
        target = src / (page + path.suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            where = path.relative_to(ROOT).as_posix()
            nbformat.write(make_static(nbformat.read(path, as_version=4), where, lang), target)
        else:
            shutil.copyfile(path, target)
    names = [page for page, _ in pages]
    readme = ROOT / spec["readme"]
    english_readme = (ROOT / LANGUAGES["en"]["readme"]).read_text()
    # the time boxes come from this language's guide, or the English one where it has none
    guide = dict(pages).get("exercises/README", ROOT / "exercises" / "README.md")
    (src / "index.md").write_text(landing_page(
        lang, names, readme.read_text() if readme.exists() else english_readme,
        guide.read_text() if guide.exists() else "", english_readme))
    # what the site's Sphinx extension (site/rlcourse_site.py) needs to know about this language
    (src / "rlcourse_site.json").write_text(json.dumps({
        "lang": lang, "repo_prefix": spec["prefix"],
        "notebooks": {page: (spec["prefix"] + path.relative_to(ROOT / spec["prefix"]).as_posix())
                      for page, path in pages if path.suffix == ".ipynb"},
        "others": {other: {"label": LANGUAGES[other]["label"], "root": LANGUAGES[other]["prefix"],
                           "pages": other_pages} for other, other_pages in others.items()},
    }, ensure_ascii=False, indent=1))
    return names


def sphinx_build(lang: str, src: Path, html_out: Path, doctrees: Path) -> None:
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-E",
               "-c", str(SITE), "-d", str(doctrees), "-D", f"language={LANGUAGES[lang]['sphinx']}",
               "-D", f"html_title={WORDS[lang]['title']}",
               str(src), str(html_out)]
    result = subprocess.run(command, capture_output=True, text=True)
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        raise SiteError(f"Sphinx stopped on the {lang} pages (warnings are errors; they are listed above)")


def build(out: Path) -> Path:
    langs = languages()
    # every build has a landing page and Sphinx's index and search pages
    pages = {lang: ["index", "genindex", "search"] + [page for page, _ in language_pages(lang)] for lang in langs}
    if out.exists():
        shutil.rmtree(out)
    site = out / "html"
    for lang in langs:
        src = out / "src" / lang
        src.mkdir(parents=True)
        stage(lang, src, {other: pages[other] for other in langs if other != lang})
        # each language's Sphinx output beside the others, moved into the site afterwards:
        # MyST-NB writes its own folder next to the output folder, which must stay out of the site
        html_out = out / "work" / lang / "html"
        sphinx_build(lang, src, html_out, out / "work" / lang / "doctrees")
        target = site if lang == "en" else site / lang
        shutil.move(html_out, target)
        (target / ".buildinfo").unlink(missing_ok=True)  # Sphinx's record for incremental builds
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site",
                        help="folder for the staged sources and the site (OUT/html); emptied first")
    args = parser.parse_args(argv)
    missing = missing_tools()
    if missing:
        print(f"The site needs {', '.join(missing)}, not installed in {sys.executable}: run {INSTALL_HINT}",
              file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        site = build(args.out.resolve())
    except SiteError as problem:
        print(f"site: {problem}", file=sys.stderr)
        return 1
    files = [path for path in site.rglob("*") if path.is_file()]
    size = sum(path.stat().st_size for path in files)
    built = len([path for path in files if path.suffix == ".html" and "_static" not in path.parts
                 and path.name not in ("genindex.html", "search.html")])
    print(f"site: {built} pages, {size / 2**20:.1f} MiB, built in {time.perf_counter() - start:.0f} s: "
          f"{site.relative_to(ROOT) if site.is_relative_to(ROOT) else site}/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
