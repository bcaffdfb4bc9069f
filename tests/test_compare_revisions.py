"""tools/compare_revisions.py: the code of this tree trains bit for bit like a reference revision."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: The revision whose training results are the reference. A change that alters results on purpose
#: moves it forward (and says so); RLCOURSE_COMPARE_BASE overrides it. 639f4f4 was the last one
#: before the training loops moved onto rlcourse.training; 0966788 changed DDPG's results on
#: purpose (fused Adam, and Pendulum's train_every=2), with DQN's, Q-learning's and SARSA's as
#: they were at 639f4f4.
REFERENCE = os.environ.get("RLCOURSE_COMPARE_BASE", "0966788")


def _has_commit(revision: str) -> bool:
    if shutil.which("git") is None:
        return False
    found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "--quiet",
                            f"{revision}^{{commit}}"], capture_output=True)
    return found.returncode == 0


@pytest.mark.skipif(not _has_commit(REFERENCE),
                    reason=f"the reference revision {REFERENCE} is not in this clone's history "
                           "(a shallow clone: git fetch --unshallow)")
def test_the_work_tree_trains_bit_for_bit_like_the_reference_revision(load_script):
    # one short run per algorithm (DQN, DDPG, Q-learning, SARSA) in each revision's own process:
    # metrics.csv bytes, every tensor of the saved model and the held-out returns must agree
    tool = load_script("tools/compare_revisions.py")
    assert tool.compare(REFERENCE, None, tool.QUICK) == []


def test_every_part_that_differs_is_named(load_script):
    tool = load_script("tools/compare_revisions.py")
    base = {"dqn": {"metrics.csv": "a", "weights": {"w:q_network.net.0.weight": "x",
                                                    "w:q_network.net.0.bias": "y"}},
            "ddpg": {"metrics.csv": "b", "weights": {}}}
    head = {"dqn": {"metrics.csv": "a", "weights": {"w:q_network.net.0.weight": "x",
                                                    "w:q_network.net.0.bias": "z"}},
            "sarsa": {"metrics.csv": "c", "weights": {}}}
    assert tool.differences(base, base) == []
    assert tool.differences(base, head) == ["ddpg: only in base",
                                            "dqn: weights w:q_network.net.0.bias differs",
                                            "sarsa: only in head"]
    head["dqn"]["metrics.csv"] = "changed"
    assert "dqn: metrics.csv differs" in tool.differences(base, head)


def test_a_revision_that_is_not_a_commit_is_refused_with_a_hint(load_script, tmp_path):
    tool = load_script("tools/compare_revisions.py")
    with pytest.raises(ValueError, match=r"'no-such-revision' is not a commit.*fetch"):
        tool.export_revision("no-such-revision", tmp_path / "code")
    assert not (tmp_path / "code").exists()  # nothing was written
