"""The Chinese edition (zh-CN/) is built from the English notebooks and translations/zh-CN/, and kept in step.

A failure here after an English edit is the designed workflow: ``python tools/translate.py status``
prints which cells changed (old and new English), ``todo`` writes a worksheet of them, ``import``
reads it back and ``build`` rebuilds zh-CN/ (README.zh-CN.md, "维护者").
"""

import importlib.util
import re
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    spec = importlib.util.spec_from_file_location(f"rlcourse_tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tool = _load("translate")
execute_notebooks = _load("execute_notebooks")
SOURCES = tool.sources()
TARGETS = [(source, english, chinese) for source in SOURCES for english, chinese in source.targets]
FIX = "run: python tools/translate.py status, then todo / import / build (README.zh-CN.md)"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_chapter_and_exercise_has_a_translation_source():
    english = {source.english for source in SOURCES}
    chapters = {f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    solutions = {f"exercises/solutions/{p.name}" for p in (ROOT / "exercises" / "solutions").glob("[0-9][0-9]_*.ipynb")}
    assert chapters and solutions and chapters | solutions | {"notebooks/glossary.md", "exercises/README.md"} <= english
    built = {chinese for _, _, chinese in TARGETS}
    for learner in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"):
        assert f"zh-CN/exercises/{learner.name}" in built, f"exercises/{learner.name} has no Chinese version"


@pytest.mark.parametrize("source", SOURCES, ids=[s.english for s in SOURCES])
def test_every_english_cell_has_a_current_translation(source):
    findings = tool.examine(source, tool.load_table(source))
    problems = [f for f in findings if f.kind != "unused"]  # unused entries may wait for an English edit
    assert not problems, tool.report(source, problems) + "\n" + FIX


@pytest.mark.parametrize("source", SOURCES, ids=[s.english for s in SOURCES])
def test_the_chinese_files_are_what_the_build_makes(source):
    for target, text in tool.built(source).items():
        path = ROOT / target
        assert path.exists(), f"{target} is missing: run python tools/translate.py build"
        assert path.read_text(encoding="utf-8") == text, (
            f"{target} is not what the build makes from {source.english} and {source.table}: "
            "run python tools/translate.py build (edit the translation file, never the built notebook)")


def test_no_chinese_file_is_left_without_its_english_source():
    assert tool.orphans() == [], "run python tools/translate.py build, which removes them"


@pytest.mark.parametrize("source,english,chinese", [t for t in TARGETS if t[1].endswith(".ipynb")],
                         ids=[t[2] for t in TARGETS if t[1].endswith(".ipynb")])
def test_the_code_is_the_english_code_and_the_outputs_the_english_outputs(source, english, chinese):
    en = nbformat.read(ROOT / english, as_version=4)
    zh = nbformat.read(ROOT / chinese, as_version=4)
    assert [(c.cell_type, c.get("id")) for c in zh.cells] == [(c.cell_type, c.get("id")) for c in en.cells]
    for en_cell, zh_cell in zip(en.cells, zh.cells):
        if en_cell.cell_type != "code":
            continue
        assert tool.code_without_comments(zh_cell.source) == tool.code_without_comments(en_cell.source), (
            f"{chinese} cell id {en_cell.id}: the code differs from {english} beyond its comments")
        assert zh_cell.outputs == en_cell.outputs and zh_cell.metadata == en_cell.metadata
        assert zh_cell.execution_count == en_cell.execution_count
    # what remains shows no error and no path of this machine, as for every English notebook
    assert execute_notebooks.problems(zh) == []


@pytest.mark.parametrize("source,english,chinese", [t for t in TARGETS if t[1].endswith(".ipynb")],
                         ids=[t[2] for t in TARGETS if t[1].endswith(".ipynb")])
def test_every_prose_cell_and_comment_reads_in_chinese(source, english, chinese):
    zh = nbformat.read(ROOT / chinese, as_version=4)
    english_left = []
    for cell in zh.cells:
        if cell.cell_type == "markdown" and cell.source.strip() and not CJK.search(cell.source):
            english_left.append(f"markdown cell id {cell.id}: {cell.source[:70]!r}")
        if cell.cell_type == "code":
            for token in tool.comments(cell.source):
                # a comment that is code or maths only ("# target ← online") may stay as it is; three
                # plain English words in a row are prose
                if tool.needs_translation(token.string) and not CJK.search(token.string) and re.search(r"\b[a-z]{2,} [a-z]{2,} [a-z]{2,}\b", token.string):
                    english_left.append(f"code cell id {cell.id}: {token.string!r}")
    assert not english_left, f"{chinese} still shows English:\n  " + "\n  ".join(english_left)


def test_the_established_chinese_terms_are_used_each_with_its_english_term():
    prose = "\n".join(c.source for _, english, chinese in TARGETS if english.endswith(".ipynb")
                      for c in nbformat.read(ROOT / chinese, as_version=4).cells if c.cell_type == "markdown")
    glossary = (ROOT / "zh-CN" / "notebooks" / "glossary.md").read_text(encoding="utf-8")
    pairs = {"强化学习": "reinforcement learning", "时序差分目标": "TD target", "经验回放": "experience replay",
             "目标网络": "target network", "确定性策略梯度": "deterministic policy gradient",
             "探索噪声": "exploration noise", "终止": "terminated", "截断": "truncated",
             "Q 现实": "Q reality", "Q 估计": "Q estimate"}
    for chinese, english in pairs.items():
        # once in the prose with its English term beside it: 目标网络（target network）
        assert re.search(re.escape(chinese) + r"\**\s*（[^）]{0,12}" + re.escape(english), prose, re.IGNORECASE), (
            f"no chapter introduces {chinese} with its English term ({english})")
    for term in ["时序差分目标", "经验回放", "记忆库", "目标网络", "确定性策略梯度", "探索噪声", "截断", "终止",
                 "Q 现实", "Q 估计"]:
        assert term in glossary, f"the Chinese glossary lacks {term}"
    assert "记忆库" in prose


# ---- the tool itself, on real notebooks copied to a temporary course


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A copy of chapter 00, exercise 07 and their current translations, the tool pointed at it."""
    for rel in ["notebooks/00_start_here.ipynb", "exercises/solutions/07_find_the_bug.ipynb",
                "exercises/07_find_the_bug.ipynb", "translations/zh-CN/notebooks/00_start_here.json",
                "translations/zh-CN/exercises/07_find_the_bug.json"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    for source in tool.sources():  # entries made ahead of English edits elsewhere are not under test
        tool.save_table(source, tool.without_unused(source, tool.load_table(source))[0])
    return tmp_path


def _chapter(course):
    return next(s for s in tool.sources() if s.english == "notebooks/00_start_here.ipynb")


def _edit(course, cell_id, change):
    path = course / "notebooks" / "00_start_here.ipynb"
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.id == cell_id)
    old = cell.source
    cell.source = change(cell.source)
    nbformat.write(nb, path)
    return old, cell.source


def test_a_changed_markdown_cell_is_stale_and_status_shows_old_and_new_english(course, capsys):
    assert tool.main(["status"]) == 0
    old, new = _edit(course, "321a8391", lambda s: s.replace("every environment", "each environment"))
    findings = tool.examine(_chapter(course), tool.load_table(_chapter(course)))
    stale = [f for f in findings if f.kind == "stale"]
    assert [(f.cell_id, f.old_english, f.english) for f in stale] == [("321a8391", old, new)]
    capsys.readouterr()
    assert tool.main(["status"]) == 1
    out = capsys.readouterr().out
    assert "STALE   notebooks/00_start_here.ipynb cell 1 (id '321a8391', markdown)" in out
    assert "-`rlcourse.doctor` checks the installed packages and makes, seeds, steps and renders every" in out
    assert "+`rlcourse.doctor` checks the installed packages and makes, seeds, steps and renders each" in out
    assert "检查已安装的软件包" in out  # the old translation, to edit
    # until it is translated again, the build shows the English text, never a translation of another
    built = nbformat.reads(tool.built(_chapter(course))["zh-CN/notebooks/00_start_here.ipynb"], as_version=4)
    assert next(c for c in built.cells if c.id == "321a8391").source == new


def test_a_new_cell_and_a_changed_comment_are_missing_and_stale(course):
    path = course / "notebooks" / "00_start_here.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("A new paragraph.", id="newcell1"))
    code = next(c for c in nb.cells if c.id == "f1e8380d")
    code.source = code.source.replace("# seeds reset and the action space", "# seeds reset and the action space too")
    nbformat.write(nb, path)
    findings = tool.examine(_chapter(course), tool.load_table(_chapter(course)))
    kinds = sorted((f.kind, f.unit, f.cell_id) for f in findings)
    assert kinds == [("missing", "markdown", "newcell1"), ("stale", "comment", "f1e8380d")]
    comment = next(f for f in findings if f.unit == "comment")
    assert comment.old_english == "# seeds reset and the action space"
    assert comment.english == "# seeds reset and the action space too"


def test_todo_import_build_and_prune_bring_a_changed_cell_back_in_step(course, capsys):
    _, new = _edit(course, "321a8391", lambda s: s + "\n\nOne more sentence.")
    capsys.readouterr()
    tool.main(["todo"])
    sheet = capsys.readouterr().out
    assert "@@ markdown 321a8391" in sheet and "% STALE" in sheet
    filled = sheet.replace("在命令行运行 `rlcourse doctor` 做的是同样的检查。",
                           "在命令行运行 `rlcourse doctor` 做的是同样的检查。\n\n再多一句。")
    (course / "todo.txt").write_text(filled, encoding="utf-8")
    assert tool.main(["import", str(course / "todo.txt"), "--note", "test"]) == 0
    table = tool.load_table(_chapter(course))
    versions = table["cells"]["321a8391"]["markdown"]
    assert len(versions) == 2 and tool._text(versions[-1]["en"]) == new  # the old version is kept, unused
    assert [f.kind for f in tool.examine(_chapter(course), table)] == ["unused"]
    tool.main(["build"])
    built = nbformat.read(course / "zh-CN" / "notebooks" / "00_start_here.ipynb", as_version=4)
    assert next(c for c in built.cells if c.id == "321a8391").source.endswith("再多一句。")
    assert tool.main(["prune"]) == 0
    assert tool.examine(_chapter(course), tool.load_table(_chapter(course))) == []


def test_entries_made_ahead_of_an_english_edit_are_unused_not_errors(course):
    source = _chapter(course)
    table = tool.load_table(source)
    table["cells"].setdefault("future01", {})["markdown"] = [{"en": ["A cell on another branch."], "zh": ["另一个分支上的单元格。"],
                                                              "note": "issue-18a"}]
    table["cells"]["321a8391"]["markdown"].insert(0, {"en": ["an older English text"], "zh": ["旧的译文"]})
    findings = tool.examine(source, table)
    assert sorted((f.kind, f.cell_id) for f in findings) == [("unused", "321a8391"), ("unused", "future01")]
    assert "[issue-18a]" in tool.report(source, findings)
    # the build takes the version made from the current English, whatever the order of the entries
    built = nbformat.reads(tool.built(source)["zh-CN/notebooks/00_start_here.ipynb"], as_version=4)
    assert "检查已安装的软件包" in next(c for c in built.cells if c.id == "321a8391").source
    pruned, dropped = tool.without_unused(source, table)
    assert dropped == 2 and "future01" not in pruned["cells"]
    assert len(pruned["cells"]["321a8391"]["markdown"]) == 1


def test_the_learner_version_reuses_the_solution_entries(course):
    source = next(s for s in tool.sources() if s.english == "exercises/solutions/07_find_the_bug.ipynb")
    files = tool.built(source)
    solution = nbformat.reads(files["zh-CN/exercises/solutions/07_find_the_bug.ipynb"], as_version=4)
    learner = nbformat.reads(files["zh-CN/exercises/07_find_the_bug.ipynb"], as_version=4)
    answer = {c.id: c.source for c in learner.cells}["b20270c3"]
    assert answer == "**哪里出了错？**\n\n" + tool.MARKDOWN_ANSWER_ZH  # the solution text is not handed out
    assert "### BEGIN SOLUTION" in {c.id: c.source for c in solution.cells}["b20270c3"]
    comment = "# (action_dim,)，在 [-1, 1] 之内"
    assert comment in {c.id: c.source for c in learner.cells}["cc9d45ea"]
    assert comment in {c.id: c.source for c in solution.cells}["cc9d45ea"]


def test_comments_are_replaced_in_place_and_strings_left_alone():
    source = 'label = "# not a comment"  # a comment\nx = 1\n# own line\n'
    pairs = [{"en": "# a comment", "zh": "# 一条注释"}, {"en": "# own line", "zh": "# 单独一行"}]
    out = tool.translate_comments(source, pairs)
    assert out == 'label = "# not a comment"  # 一条注释\nx = 1\n# 单独一行\n'
    assert tool.code_without_comments(out) == tool.code_without_comments(source)
    assert tool.code_without_comments(out) != tool.code_without_comments(out.replace("x = 1", "x = 2"))
    assert not tool.needs_translation("### BEGIN SOLUTION") and not tool.needs_translation("# (batch, n_actions)")
    assert not tool.needs_translation("# (n_seeds, iterations / 10)")
    assert tool.needs_translation("# the target is a constant")


def test_an_import_that_does_not_match_the_english_is_refused(course):
    sheet = course / "bad.txt"
    sheet.write_text("## notebooks/00_start_here.ipynb\n\n@@ markdown nosuchid\n中文\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no markdown cell with id 'nosuchid'"):
        tool.main(["import", str(sheet)])
    sheet.write_text("## notebooks/00_start_here.ipynb\n\n@@ comments f1e8380d\n# seeds reset and the action space\n"
                     "=> 同时设定随机种子\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="must start"):
        tool.main(["import", str(sheet)])


def test_an_imported_block_may_start_with_a_heading(course):
    # a heading such as "## 小结" inside a block is its text, not the start of another notebook's section
    _, new = _edit(course, "a2b8ad32", lambda s: "## Next\n\n" + s)
    sheet = course / "sheet.txt"
    sheet.write_text("## notebooks/00_start_here.ipynb\n\n@@ markdown a2b8ad32\n## 接下来\n\n正文。\n", encoding="utf-8")
    tool.main(["import", str(sheet)])
    versions = tool.load_table(_chapter(course))["cells"]["a2b8ad32"]["markdown"]
    assert versions[-1] == {"en": new.split("\n"), "zh": ["## 接下来", "", "正文。"]}


def test_the_chinese_readme_opens_with_the_two_commands_and_links_every_chinese_notebook():
    readme = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")
    commands = readme.index("```sh")
    assert "make lab" in readme[commands:commands + 200] and "make test" in readme[commands:commands + 200]
    linked = set(re.findall(r"\]\((zh-CN/[\w/]+\.(?:ipynb|md))\)", readme))
    built = {chinese for _, _, chinese in TARGETS}
    assert built <= linked, f"README.zh-CN.md does not link {sorted(built - linked)}"
    assert all((ROOT / path).exists() for path in linked)
    english = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](README.zh-CN.md)" in english.split("\n## ")[0], "README.md links README.zh-CN.md near its top"
    # as in README.md, the only table rows that link notebooks are the path of chapters, in order (the
    # site reads each chapter's title from them); the exercises are a list
    rows = [re.search(r"\]\((zh-CN/[\w/]+\.ipynb)\)", line).group(1) for line in readme.splitlines()
            if line.startswith("|") and ".ipynb)" in line]
    assert rows == sorted(c for _, e, c in TARGETS if e.startswith("notebooks/") and c.endswith(".ipynb"))


def _links(markdown: str) -> list[str]:
    return re.findall(r"\]\(([^)\s]+)\)", markdown)


def _spans(markdown: str) -> tuple[list[str], list[str], list[str], int]:
    fenced = re.findall(r"```.*?```", markdown, re.DOTALL)
    inline = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    code = sorted(" ".join(span.split()) for span in re.findall(r"`[^`]+`", inline))
    # a link to a heading of the same page (#grading-with-nbgrader) changes with that heading's
    # translation; test_a_markdown_file_keeps_its_headings_and_links_and_its_anchors_resolve checks it
    links = [link for link in _links(markdown) if not link.startswith("#")]
    return fenced, code, links, markdown.count(tool.BEGIN)


@pytest.mark.parametrize("source", SOURCES, ids=[s.english for s in SOURCES])
def test_translations_keep_the_code_spans_links_and_solution_markers(source):
    """A translator changes the prose around `code`, never the code: a learner types what it shows."""
    table = tool.load_table(source)
    entries = [(cid, v) for cid, e in table["cells"].items() for v in e.get("markdown", [])]
    entries += [("glossary", v) for v in table["segments"]]
    changed = [f"{cid}: {_spans(tool._text(v['en']))} became {_spans(tool._text(v['zh']))}"
               for cid, v in entries if _spans(tool._text(v["en"])) != _spans(tool._text(v["zh"]))]
    assert not changed, f"{source.table}:\n  " + "\n  ".join(changed)


# ---- the markdown files: the glossary and the exercises' instructors' guide

MARKDOWN_TARGETS = [t for t in TARGETS if t[1].endswith(".md")]


def _slug(heading: str) -> str:
    """A heading's anchor as GitHub and MyST (the site's myst_heading_anchors) write it: lower case,
    punctuation dropped, spaces as hyphens; Chinese characters stay."""
    return re.sub(r"[^\w\u4e00-\u9fff\- ]", "", heading.strip().lower()).replace(" ", "-")


def _headings(markdown: str) -> list[tuple[str, str]]:
    """(level, title) of each heading, fenced code left out (a shell comment there is no heading)."""
    return re.findall(r"^(#{1,6}) (.+)$", re.sub(r"```.*?```", "", markdown, flags=re.DOTALL), re.MULTILINE)


def test_the_instructors_guide_is_built_in_chinese_and_linked_from_the_chinese_readme():
    assert ("exercises/README.md", "zh-CN/exercises/README.md") in [(e, c) for _, e, c in MARKDOWN_TARGETS]
    guide = (ROOT / "zh-CN" / "exercises" / "README.md").read_text(encoding="utf-8")
    assert guide.startswith("# 练习：教师指南\n")
    assert "](zh-CN/exercises/README.md)" in (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("source,english,chinese", MARKDOWN_TARGETS, ids=[t[2] for t in MARKDOWN_TARGETS])
def test_a_markdown_file_keeps_its_headings_and_links_and_its_anchors_resolve(source, english, chinese):
    en = (ROOT / english).read_text(encoding="utf-8")
    zh = (ROOT / chinese).read_text(encoding="utf-8")
    assert [level for level, _ in _headings(zh)] == [level for level, _ in _headings(en)], (
        f"{chinese} has other headings than {english}")
    assert [title for _, title in _headings(zh) if not CJK.search(title)] == [], f"{chinese}: a heading left in English"
    assert [link for link in _links(zh) if not link.startswith("#")] == [
        link for link in _links(en) if not link.startswith("#")]
    for text, path in ((en, english), (zh, chinese)):
        anchors = [link[1:] for link in _links(text) if link.startswith("#")]
        assert set(anchors) <= {_slug(title) for _, title in _headings(text)}, f"{path}: a link to no heading"
    assert len([link for link in _links(zh) if link.startswith("#")]) == len(
        [link for link in _links(en) if link.startswith("#")])
    # the site reads each exercise's time boxes from this language's guide (site/build_site.py,
    # exercise_boxes): the Chinese table keeps the minutes where the site finds them
    if english == "exercises/README.md":
        spec = importlib.util.spec_from_file_location("rlcourse_site_build", ROOT / "site" / "build_site.py")
        build_site = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build_site)
        minutes = lambda boxes: {name: [re.findall(r"\d+ min", box) for box in found] for name, found in boxes.items()}
        assert minutes(build_site.exercise_boxes(zh)) == minutes(build_site.exercise_boxes(en))
        assert len(build_site.exercise_boxes(en)) == 6
