"""Sphinx configuration of the course's site; site/build_site.py runs Sphinx with it (see that file)."""

import sys
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rlcourse_site import repository  # noqa: E402

project = "rlcourse"
author = "the rlcourse authors"
copyright = "the rlcourse authors, MIT licence"
version = release = tomllib.loads((HERE.parent / "pyproject.toml").read_text())["project"]["version"]

extensions = ["myst_nb", "rlcourse_site"]
# the pages are built from the notebooks' stored outputs: nothing is executed
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath"]
# README-style links between notebooks (02_q_tables.ipynb#section) are checked by Sphinx
myst_heading_anchors = 3
exclude_patterns = ["rlcourse_site.json"]

html_theme = "sphinx_book_theme"
html_static_path = [str(HERE / "_static")]
html_css_files = ["rlcourse.css"]
html_favicon = str(HERE / "_static" / "favicon.svg")
# a first visit has no stored light/dark choice; without a default the theme logs an error
html_context = {"default_mode": "auto"}
html_copy_source = False  # a page's source is the notebook in the repository, linked from the page
html_show_sourcelink = False
owner, repo = repository()
html_theme_options = {
    "repository_url": f"https://github.com/{owner}/{repo}",
    "repository_branch": "main",
    "use_repository_button": True,
    "use_download_button": False,
    "show_toc_level": 2,
}
