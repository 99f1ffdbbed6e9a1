"""A checkpoint folder <-> modules.

A folder holds ``config.json`` (the kind and every constructor argument, so loading needs no flags),
``model.safetensors`` (generator weights), optionally ``discriminator.safetensors``, and a ``README.md``
model card. It has the layout of a Hugging Face model repo. Nothing here unpickles.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as safetensors_bytes
from torch import nn

from . import atomic
from .models import MODEL_KINDS

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
CARD_FILE = "README.md"
FORMAT_VERSION = 1
MAX_WEIGHTS_BYTES = 1 << 30  # a generator file over 1 GiB is not something this app can serve


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and says why."""


def save_checkpoint(folder, kind: str, config, generator: nn.Module, discriminator: nn.Module | None = None,
                    metadata: dict | None = None, half: bool = False) -> None:
    """Write the weights first and config.json last, each atomically, so a folder with a config is complete.
    ``half`` stores the generator's floating-point tensors in fp16 (half the file; a tensor with values beyond
    fp16's range stays fp32); loading casts them back."""
    folder = Path(folder)
    atomic.write_bytes(folder / WEIGHTS_FILE, _state_bytes(generator, torch.float16 if half else None))
    if discriminator is not None:
        atomic.write_bytes(folder / DISCRIMINATOR_FILE, _state_bytes(discriminator))
    payload = {"kind": kind, "format_version": FORMAT_VERSION, "model": dataclasses.asdict(config)}
    payload.update(metadata or {})
    atomic.write_json(folder / CONFIG_FILE, payload)


def save_discriminator(folder, discriminator: nn.Module) -> None:
    """Replace a folder's discriminator weights (atomically) after fine-tuning it alone."""
    atomic.write_bytes(Path(folder) / DISCRIMINATOR_FILE, _state_bytes(discriminator))


def read_config(folder) -> dict:
    path = Path(folder) / CONFIG_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no config.json in this folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not a readable JSON config ({error})") from None
    if not isinstance(payload, dict) or payload.get("kind") not in MODEL_KINDS:
        raise CheckpointError(f"{path}: 'kind' must be one of {sorted(MODEL_KINDS)}")
    return payload


def build_config(kind: str, fields: dict, source) -> object:
    config_class = MODEL_KINDS[kind][0]
    known = {f.name for f in dataclasses.fields(config_class)}
    unknown = set(fields) - known
    if unknown:
        raise CheckpointError(f"{source}: unknown {kind} config fields {sorted(unknown)}")
    try:
        return config_class(**fields)
    except (TypeError, ValueError) as error:
        raise CheckpointError(f"{source}: invalid {kind} config ({error})") from None


def load_generator(folder) -> tuple[dict, nn.Module]:
    """(config.json payload, generator in eval mode on the CPU)."""
    payload = read_config(folder)
    kind = payload["kind"]
    config = build_config(kind, payload.get("model", {}), Path(folder) / CONFIG_FILE)
    generator = MODEL_KINDS[kind][1](config)
    load_weights_into(generator, read_safetensors(Path(folder) / WEIGHTS_FILE), Path(folder) / WEIGHTS_FILE)
    return payload, generator.eval()


def load_discriminator(folder) -> nn.Module | None:
    """The shipped discriminator, or None when the folder has none."""
    path = Path(folder) / DISCRIMINATOR_FILE
    if not path.exists():
        return None
    payload = read_config(folder)
    config = build_config(payload["kind"], payload.get("model", {}), Path(folder) / CONFIG_FILE)
    discriminator = MODEL_KINDS[payload["kind"]][2](config)
    load_weights_into(discriminator, read_safetensors(path), path)
    return discriminator.eval()


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """Read a safetensors file fully into memory; a lying header, truncation or garbage gets a CheckpointError."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise CheckpointError(f"{path}: file not found") from None
    if size > MAX_WEIGHTS_BYTES:
        raise CheckpointError(f"{path}: {size / 2**20:.0f} MB is over the {MAX_WEIGHTS_BYTES >> 20} MB limit")
    try:
        return load_safetensors_bytes(path.read_bytes())
    except (SafetensorError, ValueError, RuntimeError, OSError) as error:
        raise CheckpointError(f"{path}: not a valid safetensors file, it may be corrupt or truncated "
                              f"({error})") from None


def load_weights_into(module: nn.Module, state: dict[str, torch.Tensor], source) -> None:
    """Strict load: every key present, none extra, every shape equal; one clear error otherwise."""
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = [k for k in expected.keys() & state.keys() if expected[k].shape != state[k].shape]
    problems = []
    if missing:
        problems.append(f"missing {len(missing)} keys (e.g. {missing[0]})")
    if unexpected:
        problems.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
    if wrong_shape:
        k = sorted(wrong_shape)[0]
        problems.append(f"{len(wrong_shape)} shape mismatches (e.g. {k}: file {tuple(state[k].shape)}, "
                        f"model {tuple(expected[k].shape)})")
    if problems:
        raise CheckpointError(f"{source}: weights do not fit a {type(module).__name__}: " + "; ".join(problems))
    module.load_state_dict(state, strict=True)
    non_finite = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if non_finite:
        raise CheckpointError(f"{source}: weights contain NaN or infinity (e.g. {non_finite[0]})")


def _state_bytes(module: nn.Module, dtype: torch.dtype | None = None) -> bytes:
    def stored(tensor: torch.Tensor) -> torch.Tensor:
        tensor = tensor.detach().cpu().contiguous()
        if dtype is None or not tensor.is_floating_point():
            return tensor
        narrowed = tensor.to(dtype)
        return narrowed if torch.isfinite(narrowed).all() else tensor
    return safetensors_bytes({k: stored(v) for k, v in module.state_dict().items()})
