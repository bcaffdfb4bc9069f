"""Tests of rlcourse.i18n and its catalogue: every message has a Chinese translation with the same
placeholders, the compiled catalogue is the .po's, it is installed with the package, and the
language setting (set_language, the locale variables) really changes what a check, the CLI,
doctor and a progress bar say, English staying the default."""

from __future__ import annotations

import ast
import contextlib
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from rlcourse import checks, cli, doctor, i18n, progress
from rlcourse import i18n_catalogue as catalogue

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "rlcourse"


@pytest.fixture(autouse=True)
def english_environment(monkeypatch):
    """Each test starts from no language setting and no locale variable (then English)."""
    for variable in i18n.LOCALE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    i18n.set_language(None)
    yield
    i18n.set_language(None)


@pytest.fixture(scope="module")
def messages() -> dict[str, list[str]]:
    return catalogue.extract()


@pytest.fixture(scope="module")
def translations() -> dict[str, str]:
    return {m.id: m.string for m in catalogue.read_catalog(catalogue.po_path()) if m.id}


def test_every_message_has_a_translation(messages, translations):
    missing = [f"{msgid!r} ({places[0]})" for msgid, places in messages.items() if not translations.get(msgid)]
    assert not missing, ("messages without a Chinese translation; run python -m rlcourse.i18n_catalogue and "
                         "translate them in rlcourse/locale/zh_CN/LC_MESSAGES/rlcourse.po:\n" + "\n".join(missing))
    assert len(messages) > 300  # the checks' hints alone are ~270: extraction did find them


def test_the_catalogue_holds_no_message_the_code_no_longer_has(messages, translations):
    assert sorted(set(translations) - set(messages)) == []


def test_every_translation_keeps_the_placeholders_of_its_message(messages, translations):
    differ = {msgid: (sorted(catalogue.placeholders(msgid)), sorted(catalogue.placeholders(translations[msgid])))
              for msgid in messages if msgid in translations
              and catalogue.placeholders(msgid) != catalogue.placeholders(translations[msgid])}
    assert differ == {}
    # and each still formats with the placeholders' values (no stray brace)
    for msgid in messages:
        values = {name: "x" for name in catalogue.placeholders(msgid)}
        translations[msgid].format(**values)


def test_the_compiled_catalogue_is_the_po_compiled():
    problems = [p for p in catalogue.problems() if ".mo" in p]
    assert problems == [], "run python -m rlcourse.i18n_catalogue to compile it"


def test_the_placeholder_and_staleness_checks_fail_when_they_should(tmp_path, monkeypatch):
    """The catalogue's checks on a copy with a wrong placeholder, a missing translation and a stale .mo."""
    from babel.messages.pofile import write_po

    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(catalogue.po_path().with_suffix(".mo"), folder)
    catalog = catalogue.read_catalog(catalogue.po_path())
    catalog["({count} test inputs)"].string = "（{n} 个测试输入）"
    catalog["a bool"].string = ""
    with (folder / "rlcourse.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(catalogue, "LOCALE_DIR", tmp_path)
    found = catalogue.problems()
    assert any("placeholders ['n'], the message ['count']" in p for p in found)
    assert any(p.startswith("no translation of 'a bool'") for p in found)
    assert "rlcourse.mo is not the compiled rlcourse.po" in found


def test_an_f_string_in_a_message_is_refused(tmp_path):
    (tmp_path / "m.py").write_text('from rlcourse.i18n import _\nx = 3\nprint(_(f"x is {x}"))\n')
    with pytest.raises(ValueError, match="m.py:3: _\\(\\) takes one plain string literal"):
        catalogue.extract(tmp_path)


def test_no_function_that_translates_binds_the_name_underscore():
    """`for _ in ...` or `a, _ = ...` in a function that calls _() makes _ a local: UnboundLocalError."""
    clashes = []
    for path in PACKAGE.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                        for n in ast.walk(function))
            binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                        for n in ast.walk(function))
            if calls and binds:
                clashes.append(f"{path.relative_to(ROOT)}: {function.name}")
    assert clashes == []


def _verdict(fn) -> str:
    with contextlib.redirect_stdout(io.StringIO()):
        return checks.check_td_target(fn).message


def _bootstraps_terminal():
    return {m.key: m for m in checks.TD_TARGET.mutants()}["bootstraps_terminal"].fn


def test_english_is_the_default_and_set_language_zh_changes_a_real_verdict():
    wrong = _bootstraps_terminal()
    english = _verdict(wrong)
    assert i18n.language() == "en"
    assert english.startswith("❌ td_target: your target bootstraps through a terminated transition")
    i18n.set_language("zh")
    chinese = _verdict(wrong)
    assert chinese.startswith("❌ td_target：你的目标在终止的转移上也做了自举")
    assert "示例：" in chinese and "你的结果：" in chinese and "其余 2 个元素是对的" in chinese
    assert _verdict(checks.TD_TARGET.load_reference()).startswith("✅ td_target：正确，做得好！（")
    i18n.set_language("en")
    assert _verdict(wrong) == english


@pytest.mark.parametrize("variables, expected", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LC_ALL": "zh_CN.utf8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_MESSAGES": "zh_SG"}, "zh"),
    ({"LANGUAGE": "fr:zh_CN:en", "LANG": "en_GB.UTF-8"}, "zh"),  # the first language we have wins
    ({"LANGUAGE": "en_GB:zh", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "de_DE.UTF-8"}, "en"),                               # no German catalogue: English
    ({"LANG": "zh_TW.UTF-8"}, "en"),                               # traditional script: not ours
])
def test_the_locale_variables_choose_the_language(monkeypatch, variables, expected):
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert i18n.language() == expected


def test_set_language_wins_over_the_environment_and_none_gives_it_back(monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    i18n.set_language("en")
    assert i18n.language() == "en"
    i18n.set_language(None)
    assert i18n._("a bool") == "一个 bool"


def test_an_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match=r"set_language\('fr'\): the course speaks 'en', 'zh'"):
        i18n.set_language("fr")


def test_the_cli_and_doctor_speak_chinese(tmp_path, capsys):
    i18n.set_language("zh")
    assert cli.main(["evaluate", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("rlcourse evaluate：错误：") and "里没有 config.json" in error
    broken = doctor.check_env("NoSuchEnv-v0")
    assert not broken.ok and broken.detail.startswith("make 失败：")


def test_progress_labels_follow_the_language():
    bar = progress.progress_bar(10, enabled=False)
    i18n.set_language("zh")
    progress.show_eval(bar, 12.5)
    assert bar.postfix == {"评估回报": "12.5"}
    assert i18n._(progress.UNITS[0]) == "步"


def test_the_catalogue_is_installed_with_the_package(tmp_path):
    """A wheel built from the project holds the .po and the .mo the package reads."""
    source = tmp_path / "src"
    shutil.copytree(PACKAGE, source / "rlcourse", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(tmp_path / "dist"), str(source)], check=True, timeout=300)
    [wheel] = (tmp_path / "dist").glob("rlcourse-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"rlcourse/locale/zh_CN/LC_MESSAGES/rlcourse.mo", "rlcourse/locale/zh_CN/LC_MESSAGES/rlcourse.po",
            "rlcourse/i18n.py"} <= names
