"""Find numbers that a notebook's prose quotes but nothing checked in the notebook supports.

    python tools/prose_numbers.py notebooks/02_q_tables.ipynb [more.ipynb ...]

prints one line per unsupported number (cell index, the number, a snippet around it) and exits
with status 1 if there is any. tests/test_prose_numbers.py runs it over every notebook.

The rule (issue 18): every number quoted in a markdown cell must be **supported** in the same
notebook, by

* a **checked output**: an output of a code cell that nbval compares, i.e. not tagged
  ``nbval-ignore-output`` (nor marked with a lone ``# NBVAL_IGNORE_OUTPUT`` line), after the
  substitutions of ``tests/nbval_sanitize.cfg`` (a timing that nbval blanks out checks nothing);
* or a **number literal in the source of a code cell**: a constant, or an ``assert`` that restates
  the figure. Comments and strings do not count: a comment asserts nothing.

Cells that are not run under nbval (tagged ``nbval-skip`` or ``skip-execution``) support nothing.
A figure printed by an ignored cell is therefore quoted as the bound that the cell asserts
("above 400 on every seed"), or the cell asserts it; never as the exact value it printed.

Numbers are compared by value, without sign (a code constant's minus sign is an operator):
``−13`` matches ``-13``, ``10,000`` matches ``10000`` and ``10_000``, ``0.70`` matches ``0.7``,
``50k`` means 50000, and ``30%`` is the number 30. Exempt, because they are not claims:

* numbers inside inline code, fenced code, LaTeX math (``$...$``, ``$$...$$``), link targets and
  HTML tags;
* chapter numbers: the two-digit ``00`` to ``07``, and a number right after "chapter";
  section numbers: heading numbers (``## 3. FrozenLake``), ordered-list markers, a number after
  "section"; the year of a citation in parentheses, "(Mnih et al., 2015)";
* the notebook's own allowlist, in its metadata, each phrase with its reason::

      "prose_numbers": {"allow": [{"text": "Example 6.6", "reason": "a section of Sutton & Barto"}]}

  The phrase is removed from the prose before numbers are read, so the exemption covers exactly
  that occurrence and no other use of the number. An allowlist entry that no longer matches any
  prose, or that has no reason, is reported too: the list stays short and true.
"""

from __future__ import annotations

import configparser
import io
import re
import sys
import tokenize
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SANITIZE_CFG = ROOT / "tests" / "nbval_sanitize.cfg"
IGNORE_TAGS = {"nbval-ignore-output"}
SKIP_TAGS = {"nbval-skip", "skip-execution"}
# outputs nbval does not compare: images, and the widget model (its ids change each run)
UNCOMPARED_MIMETYPES = ("image/", "application/vnd.jupyter.widget")

# A number as prose writes it: optional sign (hyphen or the typographic minus), digits with
# optional thousands separators (comma or thin space) or underscores, an optional decimal part,
# an optional exponent, an optional "k". Not part of a word or an identifier (v1, 8x8, h264).
NUMBER = re.compile(r"""
    (?<![\w.])                        # not inside a word, an identifier or after a decimal point
    (?P<sign>[-\u2212])?
    (?P<int>\d{1,3}(?:[,\u202f\u2009]\d{3})+|\d+(?:_\d+)*)
    (?P<frac>\.\d+)?
    (?P<exp>[eE][-+\u2212]?\d+)?
    (?P<k>k(?![A-Za-z]))?
    (?![\w]|\.\d)
""", re.VERBOSE)
SUPPORT_NUMBER = re.compile(r"(?<![\w.])(\d+(?:[_,]\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w])")

CODE_BLOCK = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.DOTALL)
DISPLAY_MATH = re.compile(r"\$\$.+?\$\$|\\\[.+?\\\]", re.DOTALL)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$(?!\d)|\\\(.+?\\\)")
LINK_TARGET = re.compile(r"\]\([^)]*\)|^\s*\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
HTML_TAG = re.compile(r"<[^>\n]+>")
HEADING_NUMBER = re.compile(r"^(#{1,6}\s+)(\d+(?:\.\d+)*\.?)(?=\s)", re.MULTILINE)
LIST_MARKER = re.compile(r"^(\s*)(\d+)([.)])(?=\s)", re.MULTILINE)
STRUCTURE_REF = re.compile(r"\b((?:[Cc]hapters?|[Ss]ections?|§)\s*)(\d+(?:\.\d+)?)"
                           r"((?:\s*(?:,|and|or|to|–|-)\s*\d+(?:\.\d+)?)*)")
CHAPTER_NUMBER = re.compile(r"(?<![\w.])0[0-7](?![\w.])")
# the year of a citation: "(Mnih et al., 2015)", "(Sutton & Barto, 2018)", "(Watkins, 1989)"
CITATION_YEAR = re.compile(r"(?:et al\.|[A-Z][\w-]+(?: (?:&|and) [A-Z][\w-]+)?),? ((?:19|20)\d\d)[a-z]?(?=\))")


@dataclass(frozen=True)
class Unsupported:
    cell: int
    number: str
    snippet: str

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.number!r} is not supported: ...{self.snippet}..."


def value_of(text: str) -> Decimal | None:
    """The absolute value of a number written in prose or code, or None if it is not one."""
    text = text.replace("\u2212", "-").replace(",", "").replace("_", "")
    text = text.replace("\u202f", "").replace("\u2009", "").lstrip("+-")
    scale = 1
    if text.endswith("k"):
        text, scale = text[:-1], 1000
    try:
        value = abs(Decimal(text)) * scale
    except InvalidOperation:
        return None
    return value.normalize() if value.is_finite() else None


def _blank(match: re.Match) -> str:
    # keep the length, so that positions (and snippets) still point into the original prose
    return re.sub(r"[^\n]", " ", match.group(0))


def _blank_group(group: int):
    def blank(match: re.Match) -> str:
        text = match.group(0)
        start, end = match.start(group) - match.start(0), match.end(group) - match.start(0)
        return text[:start] + " " * (end - start) + text[end:]
    return blank


def prose_without_exempt_parts(source: str, allow: list[str] = ()) -> str:
    """The markdown with every exempt part blanked out (same length, same line breaks)."""
    text = source
    for phrase in allow:
        text = text.replace(phrase, " " * len(phrase))
    for pattern in (CODE_BLOCK, DISPLAY_MATH, INLINE_CODE, INLINE_MATH, LINK_TARGET, HTML_TAG):
        text = pattern.sub(_blank, text)
    text = HEADING_NUMBER.sub(_blank_group(2), text)
    text = LIST_MARKER.sub(_blank_group(2), text)
    text = STRUCTURE_REF.sub(lambda m: m.group(1) + " " * (len(m.group(0)) - len(m.group(1))), text)
    text = CHAPTER_NUMBER.sub(_blank, text)
    text = CITATION_YEAR.sub(_blank_group(1), text)
    return text


def prose_numbers(source: str, allow: list[str] = ()) -> list[tuple[str, Decimal, int]]:
    """(as written, value, position) of each non-exempt number in a markdown cell."""
    text = prose_without_exempt_parts(source, allow)
    found = []
    for match in NUMBER.finditer(text):
        value = value_of(match.group(0))
        if value is not None:
            found.append((match.group(0), value, match.start()))
    return found


def code_numbers(source: str) -> set[Decimal]:
    """Values of the number literals of a code cell (comments and strings left out)."""
    lines = [("" if line.lstrip().startswith(("%", "!")) else line) for line in source.splitlines()]
    values = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline):
            if token.type == tokenize.NUMBER:
                value = value_of(token.string.rstrip("jJ"))
                if value is not None:
                    values.add(value)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        # not Python the tokenizer understands: read the numbers of the code without comments
        for line in lines:
            for match in SUPPORT_NUMBER.finditer(line.split("#", 1)[0]):
                values.add(value_of(match.group(1)))
    return {v for v in values if v is not None}


def sanitize_rules(path: Path = SANITIZE_CFG) -> list[tuple[re.Pattern, str]]:
    """The regex/replace pairs nbval applies before comparing outputs."""
    if not path.exists():
        return []
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path, encoding="utf-8")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"])
            for s in parser.sections() if "regex" in parser[s] and "replace" in parser[s]]


def output_texts(cell) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        if "text" in output:
            texts.append(str(output["text"]))
        for mimetype, data in output.get("data", {}).items():
            if not mimetype.startswith(UNCOMPARED_MIMETYPES):
                texts.append(data if isinstance(data, str) else "".join(data)
                             if isinstance(data, list) else str(data))
    return texts


def output_is_checked(cell) -> bool:
    tags = set(cell.metadata.get("tags", []))
    if tags & (IGNORE_TAGS | SKIP_TAGS):
        return False
    return not any(line.strip() in ("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")
                   for line in cell.source.splitlines())


def supported_values(nb, rules=None) -> set[Decimal]:
    """Every value a checked output or a code cell's number literals of ``nb`` holds."""
    rules = sanitize_rules() if rules is None else rules
    values = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        if tags & SKIP_TAGS or any(line.strip() == "# NBVAL_SKIP" for line in cell.source.splitlines()):
            continue
        values |= code_numbers(cell.source)
        if output_is_checked(cell):
            for text in output_texts(cell):
                for pattern, replacement in rules:
                    text = pattern.sub(replacement, text)
                values |= {v for m in SUPPORT_NUMBER.finditer(text)
                           if (v := value_of(m.group(1))) is not None}
    return values


def allowlist(nb) -> tuple[list[str], list[str]]:
    """(phrases, problems) of the notebook's ``prose_numbers.allow`` metadata."""
    entries = nb.metadata.get("prose_numbers", {}).get("allow", [])
    phrases, problems = [], []
    for entry in entries:
        text, reason = entry.get("text", ""), str(entry.get("reason", "")).strip()
        if not text:
            problems.append(f"allowlist entry {entry!r} has no 'text'")
        elif not reason:
            problems.append(f"allowlist entry {text!r} has no 'reason': say why it is not a claim")
        else:
            phrases.append(text)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    problems += [f"allowlist entry {p!r} matches no prose any more: remove it"
                 for p in phrases if p not in markdown]
    return phrases, problems


def unsupported(nb, rules=None) -> tuple[list[Unsupported], list[str]]:
    """(numbers the prose quotes without support, problems of the allowlist) of one notebook."""
    support = supported_values(nb, rules)
    phrases, problems = allowlist(nb)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for written, value, position in prose_numbers(cell.source, phrases):
            if value not in support:
                start, end = max(0, position - 40), position + len(written) + 40
                snippet = " ".join(cell.source[start:end].split())
                found.append(Unsupported(index, written, snippet))
    return found, problems


def check(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    found, problems = unsupported(nb)
    return [f"{path}: {p}" for p in problems] + [f"{path}: {u}" for u in found]


def main(paths: list[str]) -> int:
    if not paths:
        print(__doc__)
        return 2
    lines = []
    for name in paths:
        path = Path(name)
        if not path.exists():
            print(f"{name}: no such notebook; give paths of .ipynb files", file=sys.stderr)
            return 2
        lines += check(path)
    for line in lines:
        print(line)
    if lines:
        print(f"{len(lines)} unsupported number(s) or allowlist problem(s): quote a checked output, "
              "restate the figure in an assert, or reword the prose", file=sys.stderr)
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
