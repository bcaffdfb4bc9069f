"""Print the nbgitpuller link that hands the course out on a JupyterHub.

    .venv/bin/python tools/workshop_link.py https://hub.example.org [notebooks/00_start_here.ipynb]

A learner who opens the link logs in to the hub, gets (or updates) their own clone of the course's
repository in their home folder, and lands in JupyterLab on the notebook. The repository is the
one in ``pyproject.toml``'s ``[project.urls]`` (its only place); the hub needs nbgitpuller
installed in the users' environment (``docs/workshop.md``). Re-opening the link later pulls new
commits without overwriting what the learner changed (nbgitpuller's merge rules).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent


def repository_url(pyproject: Path = ROOT / "pyproject.toml") -> str:
    return tomllib.loads(pyproject.read_text())["project"]["urls"]["Repository"]


def nbgitpuller_link(hub: str, notebook: str = "notebooks/00_start_here.ipynb", branch: str = "main",
                     repo: str | None = None) -> str:
    """The link for ``hub`` that clones ``repo`` and opens ``notebook`` (a path in the repository)."""
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the hub must be an address such as https://hub.example.org, not {hub!r}")
    repo = repo or repository_url()
    folder = urlsplit(repo).path.rstrip("/").split("/")[-1].removesuffix(".git")
    target = f"lab/tree/{folder}/{notebook.lstrip('/')}"
    return (f"{hub.rstrip('/')}/hub/user-redirect/git-pull?repo={quote(repo, safe='')}"
            f"&branch={quote(branch, safe='')}&urlpath={quote(target, safe='')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("hub", help="the hub's address, e.g. https://hub.example.org")
    parser.add_argument("notebook", nargs="?", default="notebooks/00_start_here.ipynb",
                        help="the notebook to open, as a path in the repository")
    parser.add_argument("--branch", default="main")
    args = parser.parse_args(argv)
    if not (ROOT / args.notebook).is_file():
        parser.error(f"{args.notebook} is not a file of the course; give a path such as "
                     "notebooks/04_dqn.ipynb or exercises/04_dqn.ipynb")
    try:
        print(nbgitpuller_link(args.hub, args.notebook, args.branch))
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
