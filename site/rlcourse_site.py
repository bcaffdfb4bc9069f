"""The course's own additions to the Sphinx Book Theme: launch buttons, a language switch, and
MathJax served from the site itself.

- **Launch buttons** on every notebook page: Colab opens the notebook from the repository
  (``https://colab.research.google.com/github/OWNER/REPO/blob/main/PATH``), Binder starts
  JupyterLab on it (``https://mybinder.org/v2/gh/OWNER/REPO/main?labpath=PATH``). The address is read
  from ``[project.urls] Repository`` in pyproject.toml, the one place it is written. (The theme's own
  launch buttons open Binder with ``urlpath=``; the course's Binder links use ``labpath=``.)
- **Language switch** on every page: a link to the same page in the other language, or to that
  language's landing page where the page has no translation. ``site/build_site.py`` tells each build
  which pages the other languages have (``rlcourse_site.json`` in the staged sources).
- **Chinese search** that works: Sphinx 9.0's Chinese search language stems Latin words with the
  English stemmer and ships English's stemmer script, but tells the page to use one named
  ``ChineseStemmer``, which no script defines; every page of a ``zh_CN`` build then stops with a
  script error. :class:`ChineseSearch` names the stemmer it ships. (Chinese words themselves are
  split for the index only where ``jieba`` is installed; without it the index holds the Latin words.)
- **MathJax** from the ``sphinx-mathjax-offline`` wheel, copied into ``_static/mathjax``: only the
  parts a page of TeX in CommonHTML loads (the a11y speech maps and SVG output stay out, 20 MB).
"""

from __future__ import annotations

import json
import tomllib
from importlib.metadata import distribution
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from sphinx.errors import ConfigError
from sphinx.search.zh import SearchChinese
from sphinx.util.fileutil import copy_asset

ROOT = Path(__file__).resolve().parents[1]
BRANCH = "main"

#: what tex-chtml.js loads, relative to MathJax's folder: itself, TeX extensions that ``autoload``
#: fetches for a macro that needs one, the fonts, and the right-click menu's parts
MATHJAX_PARTS = ["tex-chtml.js", "input/tex", "output/chtml", "ui", "a11y"]


def repository() -> tuple[str, str]:
    """(owner, repo) of the GitHub repository named in pyproject.toml's [project.urls]."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"].get("urls", {})
    url = urls.get("Repository", "")
    parsed = urlparse(url)
    parts = [part for part in parsed.path.split("/") if part]
    if parsed.netloc != "github.com" or len(parts) != 2:
        raise ConfigError(f"pyproject.toml [project.urls] Repository = {url!r}: the launch buttons need "
                          "a GitHub address https://github.com/OWNER/REPO")
    return parts[0], parts[1].removesuffix(".git")


def launch_urls(path: str) -> dict[str, str]:
    """The Colab and Binder addresses that open ``path`` (relative to the repository root)."""
    owner, repo = repository()
    return {"Colab": f"https://colab.research.google.com/github/{owner}/{repo}/blob/{BRANCH}/{path}",
            "Binder": f"https://mybinder.org/v2/gh/{owner}/{repo}/{BRANCH}?labpath={path}"}


def other_language_url(pagename: str, root: str, pages: list[str], this_root: str) -> str:
    """A relative link from ``pagename`` to the same page under another language's root folder."""
    up = "../" * (pagename.count("/") + this_root.count("/"))
    target = pagename if pagename in pages else "index"
    return f"{up}{root}{target}.html"


class ChineseSearch(SearchChinese):
    language_name = "English"  # window.Stemmer = EnglishStemmer: the stemmer script it ships


def site_info(app) -> dict:
    return json.loads((Path(app.srcdir) / "rlcourse_site.json").read_text())


def add_buttons(app, pagename, templatename, context, doctree):
    info = site_info(app)
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    notebook = info["notebooks"].get(pagename)
    if notebook:
        buttons.append({
            "type": "group", "tooltip": "Run this notebook", "icon": "fas fa-rocket",
            "label": "launch-buttons",
            "buttons": [
                {"type": "link", "text": "Colab", "tooltip": "Open in Colab",
                 "icon": "_static/images/logo_colab.png", "url": launch_urls(notebook)["Colab"],
                 "label": "launch-colab"},
                {"type": "link", "text": "Binder", "tooltip": "Open in JupyterLab on Binder",
                 "icon": "_static/images/logo_binder.svg", "url": launch_urls(notebook)["Binder"],
                 "label": "launch-binder"},
            ],
        })
    for lang, other in info["others"].items():
        buttons.append({
            "type": "link", "text": other["label"], "tooltip": other["label"], "icon": "fas fa-language",
            "label": f"language-{lang}",
            "url": other_language_url(pagename, other["root"], other["pages"], info["repo_prefix"]),
        })


def copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    files = distribution("sphinx-mathjax-offline").locate_file("sphinx-mathjax-offline")
    source = Path(str(files)) / "static" / "mathjax"
    for part in MATHJAX_PARTS:
        target = Path(app.outdir) / "_static" / "mathjax" / PurePosixPath(part)
        if (source / part).is_dir():
            copy_asset(str(source / part), str(target))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes((source / part).read_bytes())


def setup(app):
    repository()  # a wrong address stops the build at once, not on the first notebook page
    app.config.mathjax_path = "mathjax/tex-chtml.js"
    app.add_search_language(ChineseSearch)
    # after the theme has made the header's button list (priority 501)
    app.connect("html-page-context", add_buttons, priority=502)
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
