"""Tests of rlcourse.checkpoints: safetensors round trip and clear errors."""

import json
import pickle

import pytest
import torch

from rlcourse.checkpoints import CheckpointError, load_checkpoint, read_meta, save_checkpoint
from rlcourse.networks import mlp


def test_round_trip(tmp_path):
    torch.manual_seed(0)
    net, other = mlp(4, 2, (8,)), mlp(4, 2, (8,))
    counter = torch.tensor([7.0])
    save_checkpoint(tmp_path / "ck", {"q_network": net, "counter": counter}, meta={"hidden": [8]})
    restored = torch.zeros(1)
    meta = load_checkpoint(tmp_path / "ck", {"q_network": other, "counter": restored})
    for a, b in zip(net.parameters(), other.parameters()):
        assert torch.equal(a, b)
    assert restored.item() == 7.0
    assert meta["hidden"] == [8] and meta["modules"] == ["counter", "q_network"]
    assert not list((tmp_path / "ck").glob("*.tmp"))


def test_module_buffers_round_trip_too(tmp_path):
    # the actor's action bounds are buffers, not parameters: a checkpoint must keep them
    from rlcourse.networks import Actor

    save_checkpoint(tmp_path / "ck", {"actor": Actor(3, [-1.0, 0.0], [3.0, 10.0], (8,))})
    restored = Actor(3, [-2.0, -2.0], [2.0, 2.0], (8,))
    load_checkpoint(tmp_path / "ck", {"actor": restored})
    assert restored.action_low.tolist() == [-1.0, 0.0] and restored.action_high.tolist() == [3.0, 10.0]


def test_not_our_checkpoint(tmp_path):
    with pytest.raises(CheckpointError, match="is not an rlcourse checkpoint"):
        load_checkpoint(tmp_path, {"net": mlp(2, 1)})
    save_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)})
    (tmp_path / "ck" / "meta.json").write_text(json.dumps({"format": "something-else"}))
    with pytest.raises(CheckpointError, match="does not describe an rlcourse checkpoint"):
        read_meta(tmp_path / "ck")
    (tmp_path / "ck" / "meta.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        read_meta(tmp_path / "ck")


def test_wrong_architecture_leaves_modules_unchanged(tmp_path):
    torch.manual_seed(0)
    save_checkpoint(tmp_path / "ck", {"first": mlp(4, 2, (8,)), "second": mlp(4, 2, (8,))})
    first, second = mlp(4, 2, (8,)), mlp(4, 2, (16,))  # second does not fit
    before = [p.clone() for p in first.parameters()]
    with pytest.raises(CheckpointError, match="different architecture"):
        load_checkpoint(tmp_path / "ck", {"first": first, "second": second})
    for a, b in zip(first.parameters(), before):
        assert torch.equal(a, b)  # first fitted, but nothing was loaded


def test_nothing_is_unpickled(tmp_path, monkeypatch):
    save_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)})
    assert (tmp_path / "ck" / "weights.safetensors").read_bytes()[:8] != b"\x80\x04\x95"  # no pickle header

    def forbidden(*args, **kwargs):
        raise AssertionError("load_checkpoint unpickled something")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    load_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)})


def test_pickled_file_in_place_of_weights_is_refused(tmp_path):
    save_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)})
    torch.save(mlp(2, 1).state_dict(), tmp_path / "ck" / "weights.safetensors")
    with pytest.raises(CheckpointError, match="could not be read"):
        load_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)})
