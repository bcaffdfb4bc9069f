"""Keep the message catalogue in step with the code (maintainers; ``python -m rlcourse.i18n_catalogue``).

    python -m rlcourse.i18n_catalogue          # update the .po from the code, then compile the .mo
    python -m rlcourse.i18n_catalogue --check  # exit 1, saying why, when the .po or .mo is behind

The messages are the string literals passed to ``_()`` and ``N_()`` anywhere in the package, found
with :mod:`ast` (an f-string inside ``_()`` is an error: its text would differ on every call, so no
translation could match it; use named placeholders and ``.format`` after the lookup; ``_(hint)`` of
a variable looks up a message marked with ``N_()`` where it was defined). New messages
enter the ``.po`` untranslated, messages no longer in the code leave it, and translations are kept.
Compiling uses Babel (a developer tool, installed with ``.[dev]``); the package itself reads the
``.mo`` with the standard library's :mod:`gettext`.
"""

from __future__ import annotations

import argparse
import ast
import datetime
import io
import string
from pathlib import Path

from rlcourse.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE = Path(__file__).resolve().parent
MARKERS = ("_", "N_")
FIXED_DATE = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)


def extract(package: Path = PACKAGE) -> dict[str, list[str]]:
    """Every message of the package: msgid -> the places (``file:line``) that use it.

    Raises:
        ValueError: a ``_()`` or ``N_()`` whose argument is not one plain string literal.
    """
    messages: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in sorted(ast.walk(tree), key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS):
                continue
            where = f"{path.relative_to(package.parent)}:{node.lineno}"
            if len(node.args) != 1 or isinstance(node.args[0], (ast.JoinedStr, ast.BinOp)):
                raise ValueError(f"{where}: {node.func.id}() takes one plain string literal (no f-string, no "
                                 "concatenation); put values in named placeholders and .format() them after")
            if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                messages.setdefault(node.args[0].value, []).append(where)
            # else _(hint): the lookup of a message marked with N_() where it was defined
    return messages


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message (format specs and conversions left out)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text)
            if name is not None}


def po_path(language: str = "zh") -> Path:
    return LOCALE_DIR / LANGUAGES[language] / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle, locale=path.parents[1].name)


def compiled(catalog) -> bytes:
    """The ``.mo`` bytes of a catalogue (what gettext reads)."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update(language: str = "zh") -> tuple[int, int, int]:
    """Bring the ``.po`` in step with the code and compile it; (messages, added, dropped)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    path = po_path(language)
    old = read_catalog(path) if path.exists() else Catalog(locale=LANGUAGES[language])
    # fixed dates: an update that changes no message changes no byte of the .po or the .mo
    new = Catalog(locale=LANGUAGES[language], domain=DOMAIN, project="rlcourse", version="0.1",
                  header_comment="# Simplified Chinese messages of the rlcourse package.\n"
                                 "# Updated with: python -m rlcourse.i18n_catalogue",
                  creation_date=FIXED_DATE, revision_date=FIXED_DATE, last_translator="rlcourse",
                  language_team="rlcourse", fuzzy=False)
    found = extract()
    added = 0
    for msgid, places in found.items():
        before = old.get(msgid)
        if before is None or not before.string:
            added += before is None
        new.add(msgid, before.string if before is not None else "",
                locations=[(place.rsplit(":", 1)[0], None) for place in places],
                flags=("python-brace-format",) if placeholders(msgid) else ())
    dropped = sum(1 for message in old if message.id and message.id not in found)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, new, width=100, omit_header=False, sort_output=False, include_lineno=False)
    path.with_suffix(".mo").write_bytes(compiled(new))
    return len(found), added, dropped


def problems(language: str = "zh") -> list[str]:
    """Why the catalogue is behind the code: untranslated or unused messages, placeholders, a stale .mo."""
    path = po_path(language)
    if not path.exists():
        return [f"{path} is missing: run python -m rlcourse.i18n_catalogue"]
    catalog = read_catalog(path)
    found = extract()
    out = []
    for msgid in found:
        message = catalog.get(msgid)
        if message is None or not message.string:
            out.append(f"no translation of {msgid!r} ({found[msgid][0]})")
        elif placeholders(message.string) != placeholders(msgid):
            out.append(f"the translation of {msgid!r} has the placeholders {sorted(placeholders(message.string))}, "
                       f"the message {sorted(placeholders(msgid))}")
    out += [f"{message.id!r} is in the catalogue but no longer in the code" for message in catalog
            if message.id and message.id not in found]
    mo = path.with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compiled(catalog):
        out.append(f"{mo.name} is not the compiled {path.name}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rlcourse.i18n_catalogue", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report what is behind, change nothing")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for problem in found:
            print(problem)
        return 1 if found else 0
    total, added, dropped = update()
    left = sum(1 for problem in problems() if problem.startswith("no translation"))
    print(f"{po_path().relative_to(PACKAGE.parent)}: {total} messages ({added} new, {dropped} dropped), "
          f"{left} to translate; .mo compiled")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
