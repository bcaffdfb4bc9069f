"""Checkpoints that never unpickle: weights as safetensors, everything else as JSON.

``torch.save``/``torch.load`` of a whole object runs pickle, which can execute arbitrary code
from a file someone hands you. A checkpoint here is a directory::

    checkpoint/
      weights.safetensors   every tensor, keyed "<module>.<parameter>"
      meta.json             {"format": "rlcourse-checkpoint", "version": 1, ...your metadata}

Example:
    >>> import torch, tempfile
    >>> net = torch.nn.Linear(2, 1)
    >>> path = tempfile.mkdtemp()
    >>> save_checkpoint(path, {"q_network": net}, {"algo": "dqn"})
    >>> load_checkpoint(path, {"q_network": torch.nn.Linear(2, 1)})["algo"]
    'dqn'
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

FORMAT = "rlcourse-checkpoint"
VERSION = 1
WEIGHTS = "weights.safetensors"
META = "meta.json"


class CheckpointError(ValueError):
    """A path that is not an rlcourse checkpoint, or one that does not fit the given modules."""


def save_checkpoint(path: str | Path, modules: dict[str, torch.nn.Module | torch.optim.Optimizer | torch.Tensor],
                    meta: dict[str, Any] | None = None) -> Path:
    """Save module weights (and optional plain tensors) and JSON metadata into directory ``path``.

    Files are written to temporary names and renamed, so an interrupted save never leaves a
    half-written checkpoint in place of the last good one. Optimizer state is not saved: it
    holds Python objects that safetensors cannot store; a resumed run starts a fresh optimizer.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    for name, module in modules.items():
        if isinstance(module, torch.Tensor):
            tensors[name] = module.detach().cpu().contiguous()
        else:
            for key, value in module.state_dict().items():
                tensors[f"{name}.{key}"] = value.detach().cpu().contiguous()
    record = {"format": FORMAT, "version": VERSION, "modules": sorted(modules), **(meta or {})}
    save_file(tensors, str(path / (WEIGHTS + ".tmp")))
    (path / (META + ".tmp")).write_text(json.dumps(record, indent=2) + "\n")
    os.replace(path / (WEIGHTS + ".tmp"), path / WEIGHTS)
    os.replace(path / (META + ".tmp"), path / META)
    return path


def model_dir(path: str | Path) -> Path:
    """The checkpoint of a run directory (its ``model/``), or ``path`` itself if it has none."""
    path = Path(path)
    return path / "model" if (path / "model").is_dir() else path


def read_meta(path: str | Path) -> dict[str, Any]:
    """The JSON metadata of a checkpoint, after checking that it is one of ours."""
    path = Path(path)
    meta_file = path / META
    if not meta_file.is_file() or not (path / WEIGHTS).is_file():
        raise CheckpointError(
            f"{path} is not an rlcourse checkpoint: expected a directory with {WEIGHTS} and "
            f"{META} (written by save_checkpoint or `rlcourse train`)."
        )
    try:
        meta = json.loads(meta_file.read_text())
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{meta_file} is not valid JSON ({exc}); the checkpoint is damaged.") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{meta_file} does not describe an rlcourse checkpoint "
                              f"(no \"format\": \"{FORMAT}\").")
    return meta


def load_checkpoint(path: str | Path, modules: dict[str, torch.nn.Module | torch.Tensor],
                    map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Load weights into ``modules`` (in place) and return the checkpoint's metadata.

    Raises:
        CheckpointError: not our checkpoint, damaged, or its tensors do not fit ``modules``
            (wrong architecture); the modules are left unchanged in that case.
    """
    meta = read_meta(path)
    try:
        tensors = load_file(str(Path(path) / WEIGHTS), device=str(map_location))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"{Path(path) / WEIGHTS} could not be read ({exc}).") from None
    states: dict[str, dict[str, torch.Tensor]] = {}
    for name, module in modules.items():
        if isinstance(module, torch.Tensor):
            if name not in tensors or tensors[name].shape != module.shape:
                raise CheckpointError(f"checkpoint has no tensor {name!r} of shape {tuple(module.shape)}")
            continue
        prefix = f"{name}."
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        expected = module.state_dict()
        if set(state) != set(expected) or any(state[k].shape != expected[k].shape for k in expected):
            raise CheckpointError(
                f"the weights saved for {name!r} do not fit the given module: the checkpoint was "
                "saved with a different architecture (check hidden sizes in meta.json)."
            )
        states[name] = state
    # only now, with every shape checked, change anything
    for name, module in modules.items():
        if isinstance(module, torch.Tensor):
            with torch.no_grad():
                module.copy_(tensors[name])
        else:
            module.load_state_dict(states[name])
    return meta
