"""Weights from other projects, read without unpickling code, their architecture inferred from the tensors.

Which layouts are understood is up to the kinds (``KindSpec.from_foreign``): pytorch/examples' and HugGAN's
DCGAN, the reference pix2pix ``UnetGenerator``, ... This module only reads the files and asks each kind.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import torch

from .checkpoints import CheckpointError, read_safetensors
from .registry import kinds

PICKLE_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt")


def read_state_file(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from .safetensors, or from a .pth through ``torch.load(weights_only=True)`` only."""
    if path.suffix == ".safetensors":
        return read_safetensors(path)
    if path.suffix not in PICKLE_SUFFIXES:
        raise CheckpointError(f"{path}: unsupported weights file (use .safetensors or a .pth state dict)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"{path}: refused to load: the file holds Python objects other than tensors, "
                              f"which could run code ({str(error).splitlines()[0]})") from None
    except (RuntimeError, OSError, EOFError, ValueError) as error:
        raise CheckpointError(f"{path}: not a readable PyTorch file, it may be corrupt or truncated "
                              f"({error})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: expected a state dict (names -> tensors)")
    return {k.removeprefix("module."): v for k, v in state.items()}  # DataParallel prefixes


def infer_model(state: dict[str, torch.Tensor], source) -> tuple[str, object, dict[str, torch.Tensor]]:
    """(kind name, config, state with that kind's key names) for a foreign state dict."""
    for name, spec in kinds().items():
        if spec.from_foreign is None:
            continue
        try:
            found = spec.from_foreign(state, source)
        except (ValueError, IndexError, KeyError) as error:
            raise CheckpointError(f"{source}: looks like {spec.title} weights but does not fit ({error})") from None
        if found is not None:
            return name, found[0], found[1]
    raise CheckpointError(f"{source}: unrecognised weights layout (first keys: {list(state)[:3]})")


def drop_old_norm_keys(state: dict, batch_norm: bool) -> dict:
    """Files saved before PyTorch 0.4 lack ``num_batches_tracked``, or carry running stats for InstanceNorm."""
    state = dict(state)
    if batch_norm:
        for key in [k for k in state if k.endswith("running_mean")]:
            state.setdefault(key.replace("running_mean", "num_batches_tracked"), torch.tensor(0))
    else:
        for key in [k for k in state if k.rsplit(".", 1)[-1] in ("running_mean", "running_var",
                                                                  "num_batches_tracked")]:
            del state[key]
    return state
