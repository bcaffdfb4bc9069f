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


def test_a_missing_or_misshapen_tensor_is_named_with_its_shape(tmp_path):
    save_checkpoint(tmp_path / "ck", {"counter": torch.tensor([7.0])})
    with pytest.raises(CheckpointError) as missing:
        load_checkpoint(tmp_path / "ck", {"steps": torch.zeros(1)})
    assert str(missing.value) == "checkpoint has no tensor 'steps' of shape (1,)"
    restored = torch.zeros(2, 3)
    with pytest.raises(CheckpointError) as misshapen:
        load_checkpoint(tmp_path / "ck", {"counter": restored})
    assert str(misshapen.value) == "checkpoint has no tensor 'counter' of shape (2, 3)"
    assert torch.equal(restored, torch.zeros(2, 3))


def test_a_tensor_listed_before_a_module_does_not_end_the_checks(tmp_path):
    # the tensor comes first: the module after it must still be checked and loaded
    torch.manual_seed(0)
    net = mlp(4, 2, (8,))
    save_checkpoint(tmp_path / "ck", {"counter": torch.tensor([7.0]), "net": net})
    restored, other = torch.zeros(1), mlp(4, 2, (8,))
    load_checkpoint(tmp_path / "ck", {"counter": restored, "net": other})
    assert restored.item() == 7.0
    assert all(torch.equal(a, b) for a, b in zip(net.parameters(), other.parameters()))
    with pytest.raises(CheckpointError, match="'net' do not fit"):
        load_checkpoint(tmp_path / "ck", {"counter": torch.zeros(1), "net": mlp(4, 2, (16,))})


def test_the_wrong_architecture_message_says_what_to_check(tmp_path):
    save_checkpoint(tmp_path / "ck", {"net": mlp(4, 2, (8,))})
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(tmp_path / "ck", {"net": mlp(4, 2, (16,))})
    assert str(info.value) == ("the weights saved for 'net' do not fit the given module: the "
                               "checkpoint was saved with a different architecture (check hidden "
                               "sizes in meta.json).")


def test_map_location_reaches_the_loader(tmp_path):
    save_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)})
    load_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)}, map_location=torch.device("cpu"))
    with pytest.raises(CheckpointError, match="could not be read.*nodevice"):
        load_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)}, map_location="nodevice")


def test_a_checkpoint_needs_both_files(tmp_path):
    for missing in ("weights.safetensors", "meta.json"):
        path = tmp_path / missing
        save_checkpoint(path, {"net": mlp(2, 1)})
        (path / missing).unlink()
        with pytest.raises(CheckpointError) as info:
            read_meta(path)
        assert str(info.value) == (f"{path} is not an rlcourse checkpoint: expected a directory with "
                                   "weights.safetensors and meta.json (written by save_checkpoint "
                                   "or `rlcourse train`).")


def test_meta_json_is_indented_and_records_format_and_version(tmp_path):
    save_checkpoint(tmp_path / "ck", {"net": mlp(2, 1)}, {"algo": "dqn"})
    text = (tmp_path / "ck" / "meta.json").read_text()
    assert text == ('{\n  "format": "rlcourse-checkpoint",\n  "version": 1,\n  "modules": [\n'
                    '    "net"\n  ],\n  "algo": "dqn"\n}\n')
    assert read_meta(tmp_path / "ck")["version"] == 1


def test_save_makes_missing_parents_and_overwrites_an_earlier_save(tmp_path):
    path = tmp_path / "run" / "nested" / "model"
    save_checkpoint(path, {"counter": torch.tensor([1.0])})
    save_checkpoint(path, {"counter": torch.tensor([2.0])})  # the directory exists now
    restored = torch.zeros(1)
    load_checkpoint(path, {"counter": restored})
    assert restored.item() == 2.0


def test_model_dir_finds_a_run_directory_s_model_or_takes_the_checkpoint_itself(tmp_path):
    from rlcourse.checkpoints import model_dir

    save_checkpoint(tmp_path / "run" / "model", {"net": mlp(2, 1)})
    assert model_dir(str(tmp_path / "run")) == tmp_path / "run" / "model"
    assert model_dir(str(tmp_path / "run" / "model")) == tmp_path / "run" / "model"
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "model").write_text("a file, not a directory")
    assert model_dir(tmp_path / "flat") == tmp_path / "flat"
