"""The developer tools in tools/ compute what their docstrings claim (on inputs small enough for the suite)."""

from __future__ import annotations

import json

import gymnasium as gym
import pytest

from rlcourse.tabular import exact_policy_value, greedy_policy, value_iteration


@pytest.mark.parametrize("horizon", [6, 40])
def test_the_stationary_policy_enumeration_agrees_with_exact_evaluation(horizon, load_script):
    tool = load_script("tools/best_stationary_policy.py")
    env = gym.make("FrozenLake-v1", desc=["SFF", "FHF", "FFG"], is_slippery=True)
    free, values = tool.stationary_policy_values(env, horizon=horizon, chunk=1000)
    assert free == [0, 1, 2, 3, 5, 6, 7]  # the hole (4) and the goal (8) are left out
    assert len(values) == 4 ** 7
    for number in (0, 1, 777, 4 ** 7 - 1, int(values.argmax())):
        table = tool.policy_table(number, free, 9, 4)
        assert values[number].item() == pytest.approx(
            exact_policy_value(env, lambda s: int(table[s]), horizon=horizon), abs=1e-12)
    # the enumeration covers value iteration's greedy policy: none of it beats the best
    best_greedy = exact_policy_value(env, greedy_policy(value_iteration(env)), horizon=horizon)
    assert best_greedy <= values.max().item() + 1e-12
    env.close()


def test_the_mutation_report_counts_each_kind_and_lists_every_survivor(load_script):
    tool = load_script("tools/mutation.py")
    diff = "--- a\n+++ b\n@@ -1 +1 @@\n-    return a < b\n+    return a <= b"
    mutants = {"m.x_f__mutmut_1": {"status": "killed"}, "m.x_f__mutmut_2": {"status": "timeout"},
               "m.x_f__mutmut_3": {"status": "survived", "diff": diff},
               "m.x_f__mutmut_4": {"status": "survived", "diff": diff},
               "m.x_f__mutmut_5": {"status": "not run"}, "m.x_g__mutmut_1": {"status": "no tests"}}
    text = tool.report([{"module": "rlcourse/m.py", "tests": "tests/test_m.py", "seconds": 90,
                         "mutants": mutants}], {"m.x_f__mutmut_4": "a <= b where a != b always"})
    # 6 generated, 1 not run, 1 killed, 1 timeout, 1 survivor, 1 equivalent, 1 without tests:
    # (1 + 1) killed of the 4 non-equivalent mutants that ran
    assert "| `rlcourse/m.py` | `tests/test_m.py` | 6 | 1 | 1 | 1 | 1 | 1 | 1 | 50.0 % | 1.5 |" in text
    gaps, equivalent = text.split("Equivalent survivors:")
    assert "m.x_f__mutmut_3" in gaps and "m.x_g__mutmut_1" in gaps and "m.x_f__mutmut_4" not in gaps
    assert "`m.x_f__mutmut_4`: a <= b where a != b always" in equivalent
    assert "+    return a <= b" in gaps and "+++" not in text  # the hunk, without file headers


def test_the_mutation_report_keeps_the_rows_of_modules_that_did_not_run_here(load_script, tmp_path,
                                                                              monkeypatch):
    tool = load_script("tools/mutation.py")
    monkeypatch.setattr(tool, "WORK", tmp_path)
    meta = tmp_path / "replay" / "mutants" / "rlcourse" / "replay.py.meta"
    meta.parent.mkdir(parents=True)
    meta.write_text('{"exit_code_by_key": {"rlcourse.replay.x_f__mutmut_1": 1}}')
    old = {"tests": "", "seconds": 1, "mutants": {}, "runs": []}
    previous = [{**old, "module": "rlcourse/dqn.py"}, {**old, "module": "rlcourse/replay.py"},
                {**old, "module": "rlcourse/tabular.py"}]
    records = tool.gather(previous)
    # in MODULES' order (tabular, replay, ..., dqn); replay's record is the one run here
    assert [r["module"] for r in records] == ["rlcourse/tabular.py", "rlcourse/replay.py",
                                              "rlcourse/dqn.py"]
    assert records[1]["mutants"] == {"rlcourse.replay.x_f__mutmut_1": {"status": "killed"}}
    assert records[0] is previous[2] and records[2] is previous[0]
    assert tool.gather([]) == [records[1]]


def test_a_partial_mutation_run_takes_the_earlier_results_of_unchanged_functions_only(load_script,
                                                                                     tmp_path,
                                                                                     monkeypatch):
    tool = load_script("tools/mutation.py")
    monkeypatch.setattr(tool, "WORK", tmp_path)
    meta = tmp_path / "replay" / "mutants" / "rlcourse" / "replay.py.meta"
    meta.parent.mkdir(parents=True)
    # this run tried f's first mutant only; f and g are unchanged since the earlier run, h changed
    meta.write_text(json.dumps({
        "exit_code_by_key": {"rlcourse.replay.x_f__mutmut_1": 1, "rlcourse.replay.x_f__mutmut_2": None,
                             "rlcourse.replay.x_g__mutmut_1": None,
                             "rlcourse.replay.xǁBufferǁadd__mutmut_1": None,
                             "rlcourse.replay.x_h__mutmut_1": None},
        "hash_by_function_name": {"x_f": "aa", "x_g": "bb", "xǁBufferǁadd": "cc", "x_h": "new"}}))
    survivor = {"status": "survived", "diff": "-a\n+b"}
    earlier = {"module": "rlcourse/replay.py", "tests": "tests/test_replay.py", "seconds": None,
               "runs": ["g only (1.0 min)"],
               "hashes": {"x_f": "aa", "x_g": "bb", "xǁBufferǁadd": "cc", "x_h": "old"},
               "mutants": {"rlcourse.replay.x_f__mutmut_1": {"status": "survived", "diff": "-a\n+b"},
                           "rlcourse.replay.x_f__mutmut_2": {"status": "killed"},
                           "rlcourse.replay.x_g__mutmut_1": survivor,
                           "rlcourse.replay.xǁBufferǁadd__mutmut_1": {"status": "not run"},
                           "rlcourse.replay.x_h__mutmut_1": {"status": "killed"}}}
    (record,) = tool.gather([earlier])
    mutants = record["mutants"]
    assert mutants["rlcourse.replay.x_f__mutmut_1"] == {"status": "killed"}  # this run's, not the old
    assert mutants["rlcourse.replay.x_f__mutmut_2"] == {"status": "killed", "carried": True}
    assert mutants["rlcourse.replay.x_g__mutmut_1"] == {**survivor, "carried": True}
    assert mutants["rlcourse.replay.xǁBufferǁadd__mutmut_1"] == {"status": "not run"}  # never tried
    assert mutants["rlcourse.replay.x_h__mutmut_1"] == {"status": "not run"}  # h changed since
    assert record["hashes"]["x_h"] == "new"
    assert record["runs"][0] == "g only (1.0 min)" and record["runs"][-1].startswith("2 results carried")
    # gathered again (the next partial run), the note is replaced, not repeated
    again = tool.gather([record])[0]
    assert sum("results carried" in line for line in again["runs"]) == 1
    # an earlier record without hashes (made before they were kept) is never carried over
    (plain,) = tool.gather([{**earlier, "hashes": {}}])
    assert plain["mutants"]["rlcourse.replay.x_f__mutmut_2"] == {"status": "not run"}
