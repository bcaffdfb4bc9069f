"""Tests of rlcourse.i18n and its catalogue: every message has a Chinese translation with the same
placeholders, the compiled catalogue is the .po's, it is installed with the package, and the
language setting (set_language, the locale variables) really changes what a check, the CLI,
doctor and a progress bar say, English staying the default."""

from __future__ import annotations

import ast
import contextlib
import io
import re
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


# --- the messages of the training tools: one real error (or label) per module, in both languages ---


def _raised(call) -> str:
    with pytest.raises(ValueError) as caught:
        call()
    return str(caught.value)


def _both(call) -> tuple[str, str]:
    """``call``'s error message in English, then in Chinese (set_language, as a learner does)."""
    i18n.set_language("en")
    english = _raised(call)
    i18n.set_language("zh")
    return english, _raised(call)


def test_a_sweep_error_follows_the_language():
    from rlcourse.sweep import parse_seeds

    english, chinese = _both(lambda: parse_seeds("0-4,3"))
    assert english == "--seeds '0-4,3' lists seed 3 twice: each seed runs once"
    assert chinese == "--seeds '0-4,3' 把种子 3 列了两次：每个种子只运行一次"


def test_an_unknown_env_id_is_named_in_the_language_set():
    from rlcourse.envs import UnknownEnvError, make_env

    english, chinese = _both(lambda: make_env("CartPol-v1"))
    assert english.startswith("Unknown environment id 'CartPol-v1'. Did you mean 'CartPole-v1'")
    assert chinese.startswith("未知的环境 id 'CartPol-v1'。你想用的是 'CartPole-v1'")
    assert chinese.endswith("吗？gymnasium.pprint_registry() 会列出所有 id。")
    with pytest.raises(UnknownEnvError):  # still the class a caller catches
        make_env("CartPol-v1")


def test_a_bad_override_is_refused_in_the_language_set():
    from rlcourse.runs import apply_overrides
    from rlcourse.tabular import default_config

    config = default_config("FrozenLake-v1")
    english, chinese = _both(lambda: apply_overrides(config, ["gamma=fast"]))
    assert english == "--set gamma=fast: expected a value of type float"
    assert chinese == "--set gamma=fast：需要一个 float 类型的值"
    english, chinese = _both(lambda: apply_overrides(config, ["gamma=1.5"]))
    assert english == "gamma must be in [0, 1], got 1.5"
    assert chinese == "gamma 必须在 [0, 1] 内，收到的是 1.5"


def test_a_plotting_error_follows_the_language():
    from rlcourse.plotting import seed_curves

    english, chinese = _both(lambda: seed_curves([]))
    assert english == "no runs given: pass a list with one Metrics per seed"
    assert chinese == "没有给出任何运行：请传入一个列表，每个种子一个 Metrics"


class _AlwaysLeft:
    """A CartPole agent that always pushes left (greedy return about 9): enough to be "solved" at 5."""

    def act(self, obs):
        return 0


@pytest.mark.parametrize("language, label", [("en", "test CartPole-v1: solved at step 5, stopped"),
                                             ("zh", "test CartPole-v1：第 5 步已解决，停止训练")])
def test_the_solved_label_of_the_progress_bar_follows_the_language(monkeypatch, capsys, language, label):
    from rlcourse.runs import Metrics
    from rlcourse.training import Run, TrainingLoop

    monkeypatch.delenv("RLCOURSE_PROGRESS", raising=False)
    i18n.set_language(language)
    run = Run(agent=_AlwaysLeft(), metrics=Metrics(), config=None)
    with TrainingLoop(run, algo="test", env_id="CartPole-v1", seed=0, steps=20, episodes=None, networks={},
                      eval_every=5, eval_episodes=1, stop_at_return=5.0, stop_eval_episodes=2,
                      progress=True) as loop:
        for _step in loop.steps():
            loop.end_step()
    assert run.solved_return is not None and run.steps == 5
    assert loop.bar.desc == label + ": "  # tqdm's own separator
    assert label in capsys.readouterr().err  # the bar as the terminal drew it


def test_the_sweep_table_is_in_the_language_set_and_its_columns_line_up():
    from rlcourse.sweep import RunResult, _setting_summary, _width, summary_table

    runs = [RunResult(seed, {}, Path(f"seed-{seed}"), "finished", record={"mean_return": 3.0 + seed,
                                                                           "train_seconds": 10.0})
            for seed in range(3)]
    summary = {"algo": "dqn", "env_id": "CartPole-v1", "seeds": [0, 1, 2], "threshold": 4.0,
               "by_setting": [_setting_summary("defaults", runs, threshold=4.0)]}
    i18n.set_language("zh")
    title, header, row = summary_table(summary).splitlines()
    assert title == "dqn 在 CartPole-v1 上，种子 0-2"
    assert header.split() == ["设置", "完成", "回报中位数", "四分位距（25–75", "%）", "已解决（>=", "4）",
                              "训练秒数中位数", "失败"]
    assert row.split()[0] == "默认值"
    # each column starts at the same terminal column in the header and the row (a Chinese character
    # is two columns wide)
    starts = [_width(header[:match.start()]) for match in re.finditer(r"(?<=  )\S", header)]
    assert starts == [_width(row[:match.start()]) for match in re.finditer(r"(?<=  )\S", row)]
    i18n.set_language("en")
    assert summary_table(summary).splitlines()[1].split()[:3] == ["setting", "finished", "median"]
