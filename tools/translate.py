"""The Chinese edition (zh-CN/), built from the English notebooks plus one translation file each.

    python tools/translate.py status            # what is missing or stale (old and new English), and unused entries
    python tools/translate.py build             # rewrite zh-CN/ from the English sources and translations/zh-CN/
    python tools/translate.py todo [PATH ...]   # a worksheet of what is missing or stale, to fill in
    python tools/translate.py import SHEET [--english PATH]   # put a filled-in worksheet into the translation files
    python tools/translate.py prune             # drop entries that match no English text now

One source: the code of a Chinese notebook is its English notebook's code; only markdown cells and
code comments are translated, and the stored outputs are the English ones (see README.zh-CN.md for
why). A translation file (``translations/zh-CN/<folder>/<name>.json``) holds, per cell id, entries
that each record the English text they were made from (as gettext keys a message by its msgid):

* a markdown cell: ``{"en": [lines of the English source], "zh": [lines of its translation]}``;
* a code cell: one ``{"en": "# English comment", "zh": "# 中文注释"}`` per translated comment;
* a markdown file (the glossary, the exercises' instructors' guide): one entry per paragraph or
  table row, keyed by its English text.

A cell whose English text has no entry is *missing*; one whose entries were all made from another
English text is *stale* (``status`` prints the old and the new English). Entries that match no
English text now are *unused*: obsolete after an edit, or made ahead of an English edit that is not
merged yet; ``build`` ignores them and ``prune`` deletes them. Several versions of a cell's entry can
coexist; ``build`` takes the one whose English matches the English cell, and falls back to the
English text where none does.

An exercise has one translation file, made from its solution; the learner version (built from the
solution by ``rlcourse exercises build``) shares its cell ids and reuses the same entries.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "zh-CN"
BEGIN, END, BUG = "### BEGIN SOLUTION", "### END SOLUTION", "# BUG:"
MARKDOWN_ANSWER = "_Your answer here._"  # rlcourse.exercise_build.MARKDOWN_ANSWER
MARKDOWN_ANSWER_ZH = "_在这里写下你的答案。_"
# comments that are code, not prose: solution markers, the buggy line of a find-the-bug region,
# shape notes such as "# (batch, n_actions)", bare numbers
UNTRANSLATED = re.compile(r"#+ ?(BEGIN SOLUTION|END SOLUTION|BUG:.*|noqa.*|\([\w\s,/*+-]*\)|[\d\s.*+-]+)\s*")


@dataclass(frozen=True)
class Source:
    """One English file, its translation file, and the Chinese files built from them."""

    english: str  # path relative to ROOT
    table: str  # the translation file, relative to ROOT
    targets: tuple[tuple[str, str], ...]  # (English file, Chinese file) pairs built with this table

    @property
    def is_notebook(self) -> bool:
        return self.english.endswith(".ipynb")


def sources() -> list[Source]:
    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        rel = f"notebooks/{path.name}"
        found.append(Source(rel, f"translations/{LANGUAGE}/notebooks/{path.stem}.json",
                            ((rel, f"{LANGUAGE}/{rel}"),)))
    if (ROOT / "notebooks" / "glossary.md").exists():
        found.append(Source("notebooks/glossary.md", f"translations/{LANGUAGE}/notebooks/glossary.json",
                            (("notebooks/glossary.md", f"{LANGUAGE}/notebooks/glossary.md"),)))
    if (ROOT / "exercises" / "README.md").exists():  # the instructors' guide
        found.append(Source("exercises/README.md", f"translations/{LANGUAGE}/exercises/README.json",
                            (("exercises/README.md", f"{LANGUAGE}/exercises/README.md"),)))
    for path in sorted((ROOT / "exercises" / "solutions").glob("[0-9][0-9]_*.ipynb")):
        solution, learner = f"exercises/solutions/{path.name}", f"exercises/{path.name}"
        found.append(Source(solution, f"translations/{LANGUAGE}/exercises/{path.stem}.json",
                            ((solution, f"{LANGUAGE}/{solution}"), (learner, f"{LANGUAGE}/{learner}"))))
    return found


# ---- the translation files


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _text(lines: list[str] | str) -> str:
    return lines if isinstance(lines, str) else "\n".join(lines)


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def load_table(source: Source) -> dict:
    path = ROOT / source.table
    if not path.exists():
        return {"source": source.english, "cells": {}, "segments": []}
    table = json.loads(path.read_text(encoding="utf-8"))
    table.setdefault("cells", {})
    table.setdefault("segments", [])
    return table


def save_table(source: Source, table: dict) -> None:
    path = ROOT / source.table
    path.parent.mkdir(parents=True, exist_ok=True)
    table = {"source": source.english, "cells": table["cells"], "segments": table["segments"]}
    if not table["segments"]:
        del table["segments"]
    if not table["cells"]:
        del table["cells"]
    path.write_text(json.dumps(table, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# ---- what needs translating


def comments(source: str) -> list[tokenize.TokenInfo]:
    """The comment tokens of a code cell (none when it does not tokenize, e.g. a cell of magics)."""
    try:
        return [t for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []


def needs_translation(comment: str) -> bool:
    return UNTRANSLATED.fullmatch(comment) is None


def code_without_comments(source: str) -> list[tuple[int, str]]:
    """The token stream of a code cell without its comments: what must be the same in both languages."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(t.type, t.string) for t in tokens if t.type not in (tokenize.COMMENT, tokenize.NL)]


def segments(markdown: str) -> list[str]:
    """A markdown file cut into what is translated as one piece: paragraphs, and each table row."""
    found, block = [], []
    for line in markdown.split("\n"):
        if line.startswith("|"):
            if block:
                found.append("\n".join(block))
                block = []
            if not re.fullmatch(r"\|[-| :]+\|", line):
                found.append(line)
        elif line.strip():
            block.append(line)
        elif block:
            found.append("\n".join(block))
            block = []
    if block:
        found.append("\n".join(block))
    return found


def strip_markdown_solution(text: str) -> str:
    """A solution's markdown as the learner version shows it (rlcourse.exercise_build.strip_solution)."""
    from rlcourse.exercise_build import strip_solution

    return strip_solution(text, markdown=True)


# ---- matching English text to entries


@dataclass
class Finding:
    kind: str  # "missing", "stale" or "unused"
    where: str  # "notebooks/04_dqn.ipynb cell 3 (id 'ab12cd34', markdown)"
    english: str  # the English text now ("" for unused)
    old_english: str = ""  # what the closest entry was translated from
    old_translation: str = ""
    cell_id: str = ""
    unit: str = ""  # "markdown", "comment" or "segment"
    note: str = ""  # an unused entry's note, e.g. which branch's English it was made from


def _closest(text: str, candidates: list[dict]) -> dict | None:
    scored = [(difflib.SequenceMatcher(None, _text(c["en"]), text).ratio(), i) for i, c in enumerate(candidates)]
    scored = [s for s in scored if s[0] > 0.3]
    return candidates[max(scored)[1]] if scored else None


def examine(source: Source, table: dict, english_path: Path | None = None) -> list[Finding]:
    """Every missing, stale and unused entry of one source, against its English file now."""
    english_path = english_path or ROOT / source.english
    used: set[tuple] = set()
    found: list[Finding] = []
    if not source.is_notebook:
        entries = table["segments"]
        current = segments(english_path.read_text(encoding="utf-8"))
        by_english = {_text(e["en"]): i for i, e in enumerate(entries)}
        unmatched = [s for s in current if s not in by_english]
        used = {("segment", by_english[s]) for s in current if s in by_english}
        spare = [e for i, e in enumerate(entries) if ("segment", i) not in used]
        for segment in unmatched:
            old = _closest(segment, spare)
            where = f"{source.english} paragraph/row '{segment[:60]}'"
            if old is None:
                found.append(Finding("missing", where, segment, unit="segment"))
            else:
                spare.remove(old)
                used.add(("segment", entries.index(old)))
                found.append(Finding("stale", where, segment, _text(old["en"]), _text(old["zh"]), unit="segment"))
        for i, entry in enumerate(entries):
            if ("segment", i) not in used:
                found.append(Finding("unused", f"{source.table} segment '{_text(entry['en'])[:60]}'", "",
                                     _text(entry["en"]), _text(entry["zh"]), unit="segment",
                                     note=entry.get("note", "")))
        return found

    nb = nbformat.read(english_path, as_version=4)
    for index, cell in enumerate(nb.cells):
        cid = cell.get("id", "")
        entry = table["cells"].get(cid, {})
        if cell.cell_type == "markdown":
            versions = entry.get("markdown", [])
            match = [i for i, v in enumerate(versions) if _text(v["en"]) == cell.source]
            where = f"{source.english} cell {index} (id '{cid}', markdown)"
            if match:
                used.add((cid, "markdown", match[-1]))
            elif versions:
                old = versions[-1]
                used.add((cid, "markdown", len(versions) - 1))
                found.append(Finding("stale", where, cell.source, _text(old["en"]), _text(old["zh"]), cid, "markdown"))
            elif cell.source.strip():
                found.append(Finding("missing", where, cell.source, cell_id=cid, unit="markdown"))
        elif cell.cell_type == "code":
            pairs = entry.get("comments", [])
            have = {p["en"]: i for i, p in enumerate(pairs)}
            wanted = [c.string for c in comments(cell.source) if needs_translation(c.string)]
            for comment in wanted:
                if comment in have:
                    used.add((cid, "comment", have[comment]))
            spare = [p for i, p in enumerate(pairs) if (cid, "comment", i) not in used]
            for comment in wanted:
                if comment in have:
                    continue
                where = f"{source.english} cell {index} (id '{cid}', code comment)"
                old = _closest(comment, spare)
                if old is None:
                    found.append(Finding("missing", where, comment, cell_id=cid, unit="comment"))
                else:
                    spare.remove(old)
                    used.add((cid, "comment", pairs.index(old)))
                    found.append(Finding("stale", where, comment, old["en"], old["zh"], cid, "comment"))
    for cid, entry in table["cells"].items():
        for unit in ("markdown", "comments"):
            for i, version in enumerate(entry.get(unit, [])):
                key = (cid, "markdown" if unit == "markdown" else "comment", i)
                if key not in used:
                    found.append(Finding("unused", f"{source.table} cell id '{cid}' ({key[1]})", "",
                                         _text(version["en"]), _text(version["zh"]), cid, key[1],
                                         version.get("note", "")))
    return found


# ---- building


def translate_comments(source: str, pairs: list[dict]) -> str:
    table = {p["en"]: p["zh"] for p in pairs}
    lines = source.split("\n")
    for token in reversed(comments(source)):
        row, col = token.start
        if token.string in table:
            line = lines[row - 1]
            lines[row - 1] = line[:col] + table[token.string] + line[col + len(token.string):]
    return "\n".join(lines)


def translate_markdown(text: str, versions: list[dict], learner: bool) -> str:
    for version in reversed(versions):
        english, chinese = _text(version["en"]), _text(version["zh"])
        if english == text:
            return chinese
        if learner and strip_markdown_solution(english) == text:
            return strip_markdown_solution(chinese).replace(MARKDOWN_ANSWER, MARKDOWN_ANSWER_ZH)
    return text


def build_notebook(english: nbformat.NotebookNode, table: dict, english_rel: str) -> nbformat.NotebookNode:
    """The Chinese notebook: the English one (code, outputs, metadata) with prose and comments translated."""
    nb = copy.deepcopy(english)
    learner = english_rel.startswith("exercises/") and not english_rel.startswith("exercises/solutions/")
    for cell in nb.cells:
        entry = table["cells"].get(cell.get("id", ""), {})
        if cell.cell_type == "markdown":
            cell.source = translate_markdown(cell.source, entry.get("markdown", []), learner)
        elif cell.cell_type == "code":
            cell.source = translate_comments(cell.source, entry.get("comments", []))
    nb.metadata.setdefault("rlcourse", {})["translation"] = {"language": LANGUAGE, "english": english_rel}
    return nb


def build_markdown(text: str, table: dict) -> str:
    chinese = {_text(e["en"]): _text(e["zh"]) for e in table["segments"]}
    out = text
    # longest first, so a paragraph that contains another one is replaced whole
    for english in sorted(segments(text), key=len, reverse=True):
        if english in chinese:
            out = out.replace(english, chinese[english])
    return out


def built(source: Source) -> dict[str, str]:
    """{Chinese file: its text} as the build writes it."""
    table = load_table(source)
    files = {}
    for english_rel, target in source.targets:
        english_path = ROOT / english_rel
        if not english_path.exists():
            continue
        if source.is_notebook:
            nb = build_notebook(nbformat.read(english_path, as_version=4), table, english_rel)
            files[target] = nbformat.writes(nb) + "\n"
        else:
            files[target] = build_markdown(english_path.read_text(encoding="utf-8"), table)
    return files


def orphans() -> list[str]:
    """Chinese notebooks (and the markdown files) in zh-CN/ that no English source builds any more."""
    targets = {target for source in sources() for _, target in source.targets}
    found = [p for folder in ("notebooks", "exercises") for p in sorted((ROOT / LANGUAGE / folder).rglob("*.ipynb"))
             if ".ipynb_checkpoints" not in p.parts]
    found += [p for p in [ROOT / LANGUAGE / "notebooks" / "glossary.md", ROOT / LANGUAGE / "exercises" / "README.md"]
              if p.exists()]
    return [rel for rel in (str(p.relative_to(ROOT)) for p in found) if rel not in targets]


def build() -> int:
    count = 0
    for source in sources():
        for target, text in built(source).items():
            path = ROOT / target
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                print(f"wrote {target}")
            count += 1
    for orphan in orphans():
        (ROOT / orphan).unlink()
        print(f"removed {orphan}: its English source is gone")
    print(f"{count} Chinese files are up to date with their English sources")
    problems = [f for s in sources() for f in examine(s, load_table(s)) if f.kind != "unused"]
    if problems:
        print(f"{len(problems)} cells still show English (missing or stale): see python tools/translate.py status")
    return 0


# ---- status, worksheets, prune


def _diff(old: str, new: str) -> str:
    lines = difflib.unified_diff(old.split("\n"), new.split("\n"), "English the translation was made from",
                                 "English now", lineterm="", n=1)
    return "\n".join("    " + line for line in lines)


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.split("\n"))


def report(source: Source, findings: list[Finding], show_unused: bool = True) -> str:
    """What ``status`` prints for one source: each finding with the text a maintainer needs to act."""
    out = []
    for f in findings:
        if f.kind == "missing":
            out.append(f"MISSING {f.where}: no translation of\n{_indent(f.english)}\n")
        elif f.kind == "stale":
            out.append(f"STALE   {f.where}: the English changed after it was translated\n"
                       f"{_diff(f.old_english, f.english)}\n  its translation (of the old English):\n"
                       f"{_indent(f.old_translation)}\n")
        elif show_unused:
            note = f" [{f.note}]" if f.note else ""
            out.append(f"UNUSED  {f.where}{note}: matches no English text now (obsolete, or made ahead of "
                       f"an English edit not merged yet); translated from\n{_indent(f.old_english)}\n")
    if findings:
        count = {kind: sum(f.kind == kind for f in findings) for kind in ("missing", "stale", "unused")}
        out.append(f"== {source.english}: {count['missing']} missing, {count['stale']} stale, "
                   f"{count['unused']} unused (translation file {source.table})\n")
    return "\n".join(out)


def status(show_unused: bool = True) -> int:
    todo = 0
    for source in sources():
        findings = examine(source, load_table(source))
        text = report(source, findings, show_unused)
        if text:
            print(text)
        todo += sum(f.kind != "unused" for f in findings)
    if todo:
        print(f"{todo} cells or comments to (re)translate. Write a worksheet of them, fill it in, read it "
              "back and rebuild:\n    python tools/translate.py todo > todo.txt\n"
              "    python tools/translate.py import todo.txt\n    python tools/translate.py build")
        return 1
    print("Every English cell has a current translation.")
    return 0


HEADER = re.compile(r"## ((?:notebooks|exercises)/\S+\.(?:ipynb|md))$")
BLOCK = re.compile(r"@@ (markdown|comments|segment) (\S+)( [0-9a-f]{10})?$")


def todo(paths: list[str], english_override: Path | None = None) -> int:
    """Print a worksheet: one block per missing or stale cell, holding the English (or the old
    translation, beside a diff of the English) for the translator to overwrite with Chinese."""
    print("# Worksheet for python tools/translate.py import. Lines starting with % are notes and are\n"
          "# ignored. Replace each block's text by its Chinese; for comments, write the Chinese after =>.\n"
          "# Keep ### BEGIN SOLUTION / ### END SOLUTION lines, code in backticks, and $math$ as they are.")
    for source in sources():
        if paths and source.english not in paths:
            continue
        findings = [f for f in examine(source, load_table(source), english_override) if f.kind != "unused"]
        if not findings:
            continue
        print(f"\n## {source.english}")
        by_cell: dict[str, list[Finding]] = {}
        for f in findings:
            if f.unit == "comment":
                by_cell.setdefault(f.cell_id, []).append(f)
                continue
            key = f.cell_id if f.unit == "markdown" else short_hash(f.english)
            print(f"\n@@ {f.unit} {key} {short_hash(f.english)}" if f.unit == "markdown" else f"\n@@ segment {key}")
            if f.kind == "stale":
                print("% STALE: the English changed; edit the old translation below to match\n"
                      + "\n".join("% " + line.strip() for line in _diff(f.old_english, f.english).split("\n")))
                print(f.old_translation)
            else:
                print(f.english)
        for cid, group in by_cell.items():
            print(f"\n@@ comments {cid}")
            for f in group:
                if f.kind == "stale":
                    print(f"% was: {f.old_english}  =>  {f.old_translation}")
                print(f"{f.english}\n=> {f.old_translation or f.english}")
    return 0


def _english_blocks(english_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    if english_path.suffix != ".ipynb":
        return {}, {}
    nb = nbformat.read(english_path, as_version=4)
    kinds = {c.get("id", ""): c.cell_type for c in nb.cells}
    text = {c.get("id", ""): c.source for c in nb.cells}
    return kinds, text


def import_sheet(sheet: Path, english_override: Path | None = None, note: str = "") -> int:
    """Read a filled-in worksheet into the translation files. The English each entry is made from is
    read from the English file named in the sheet (or from --english PATH: another copy of it, e.g. a
    branch's version not merged yet); ``note`` is kept with each entry and shown while it is unused."""
    extra = {"note": note} if note else {}
    blocks: list[tuple[str, str, str, str, list[str]]] = []  # (source, unit, key, hash, lines)
    current_source = None
    for line in sheet.read_text(encoding="utf-8").split("\n"):
        if line.startswith("%") or (line.startswith("# ") and not blocks and current_source is None):
            continue
        header, block = HEADER.fullmatch(line), BLOCK.match(line)
        if header:
            current_source = header.group(1)
        elif block:
            if current_source is None:
                raise SystemExit(f"{sheet}: a block before any '## notebooks/NAME.ipynb' line")
            parts = line.split()
            blocks.append((current_source, parts[1], parts[2], parts[3] if len(parts) > 3 else "", []))
        elif line.startswith("@@"):
            raise SystemExit(f"{sheet}: {line!r} is not a block header ('@@ markdown ID', '@@ comments ID' "
                             "or '@@ segment HASH')")
        elif blocks:
            blocks[-1][4].append(line)
    by_source = {s.english: s for s in sources()}
    changed = 0
    for name in dict.fromkeys(b[0] for b in blocks):
        if name not in by_source:
            raise SystemExit(f"{sheet}: {name} is not an English source the build knows "
                             f"(one of: {', '.join(by_source)})")
        source = by_source[name]
        english_path = english_override or ROOT / source.english
        kinds, cells = _english_blocks(english_path)
        table = load_table(source)
        current_segments = {} if source.is_notebook else {
            short_hash(s): s for s in segments(english_path.read_text(encoding="utf-8"))}
        for _, unit, key, digest, lines in (b for b in blocks if b[0] == name):
            while lines and not lines[-1].strip():
                lines.pop()
            while lines and not lines[0].strip():
                lines.pop(0)
            if unit == "segment":
                if key not in current_segments:
                    raise SystemExit(f"{sheet}: segment {key} of {name} is not in {english_path} now: write a new worksheet")
                table["segments"] = [e for e in table["segments"] if _text(e["en"]) != current_segments[key]]
                table["segments"].append({"en": _lines(current_segments[key]), "zh": lines, **extra})
            elif unit == "markdown":
                if kinds.get(key) != "markdown":
                    raise SystemExit(f"{sheet}: {name} has no markdown cell with id {key!r} in {english_path}")
                english = cells[key]
                if digest and short_hash(english) != digest:
                    raise SystemExit(f"{sheet}: cell {key} of {english_path} changed after this worksheet "
                                     "was written: write a new one with python tools/translate.py todo")
                versions = table["cells"].setdefault(key, {}).setdefault("markdown", [])
                versions[:] = [v for v in versions if _text(v["en"]) != english]
                versions.append({"en": _lines(english), "zh": lines, **extra})
            else:
                if kinds.get(key) != "code":
                    raise SystemExit(f"{sheet}: {name} has no code cell with id {key!r} in {english_path}")
                present = {c.string for c in comments(cells[key])}
                pairs = table["cells"].setdefault(key, {}).setdefault("comments", [])
                pending = [l for l in lines if l.strip()]
                for english, chinese in zip(pending[::2], pending[1::2]):
                    chinese = chinese.removeprefix("=>").strip()
                    if english not in present:
                        raise SystemExit(f"{sheet}: cell {key} of {english_path} has no comment {english!r}")
                    if not chinese.startswith("#") or english.startswith("#") and english.split(":")[0] in (
                            "# HINT", "# BUG") and not chinese.startswith(english.split(":")[0] + ":"):
                        raise SystemExit(f"{sheet}: the translation {chinese!r} of {english!r} must start "
                                         "with the same '#' marker (and keep '# HINT:')")
                    pairs[:] = [p for p in pairs if p["en"] != english]
                    pairs.append({"en": english, "zh": chinese, **extra})
                if len(pending) % 2:
                    raise SystemExit(f"{sheet}: cell {key}: each English comment needs a '=> ' line after it")
            changed += 1
        save_table(source, table)
    print(f"{changed} entries read into translations/{LANGUAGE}/; now run: python tools/translate.py build")
    return 0


def without_unused(source: Source, table: dict, english_path: Path | None = None) -> tuple[dict, int]:
    """``table`` without the entries that match no English text of ``source`` now, and how many went."""
    unused = [f for f in examine(source, table, english_path) if f.kind == "unused"]
    table = copy.deepcopy(table)
    drop = {(f.cell_id, f.unit, f.old_english) for f in unused}
    for cid, entry in list(table["cells"].items()):
        if "markdown" in entry:
            entry["markdown"] = [v for v in entry["markdown"] if (cid, "markdown", _text(v["en"])) not in drop]
        if "comments" in entry:
            entry["comments"] = [p for p in entry["comments"] if (cid, "comment", p["en"]) not in drop]
        table["cells"][cid] = {k: v for k, v in entry.items() if v}
        if not table["cells"][cid]:
            del table["cells"][cid]
    table["segments"] = [e for e in table["segments"] if ("", "segment", _text(e["en"])) not in drop]
    return table, len(unused)


def prune() -> int:
    dropped = 0
    for source in sources():
        table, count = without_unused(source, load_table(source))
        if count:
            save_table(source, table)
            dropped += count
            print(f"{source.table}: dropped {count} unused entries")
    print(f"{dropped} unused entries dropped")
    return 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("status", help="missing and stale translations, with old and new English")
    show.add_argument("--no-unused", action="store_true", help="leave out the unused entries")
    commands.add_parser("build", help=f"write {LANGUAGE}/ from the English sources")
    sheet = commands.add_parser("todo", help="print a worksheet of what is missing or stale")
    sheet.add_argument("paths", nargs="*", help="English sources (default: all), e.g. notebooks/04_dqn.ipynb")
    sheet.add_argument("--english", type=Path, help="compare with this copy of the one English source named")
    read = commands.add_parser("import", help="read a filled-in worksheet into the translation files")
    read.add_argument("sheet", type=Path)
    read.add_argument("--english", type=Path, help="take the English from this copy of the sheet's file")
    read.add_argument("--note", default="", help="kept with each entry, e.g. the branch its English is from")
    commands.add_parser("prune", help="drop entries that match no English text now")
    args = parser.parse_args(argv)
    if args.command == "status":
        return status(show_unused=not args.no_unused)
    if args.command == "build":
        return build()
    if args.command == "todo":
        if args.english and len(args.paths) != 1:
            parser.error("todo --english PATH needs exactly one English source, e.g. notebooks/04_dqn.ipynb")
        return todo(args.paths, args.english)
    if args.command == "import":
        return import_sheet(args.sheet, args.english, args.note)
    return prune()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
