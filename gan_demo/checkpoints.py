"""A checkpoint folder <-> modules: the only reader and writer of a folder's config.json.

A folder holds ``config.json`` (the kind and every constructor argument, so loading needs no flags),
``model.safetensors`` (generator weights), optionally ``discriminator.safetensors``, and a ``README.md``
model card. It has the layout of a Hugging Face model repo. Nothing here unpickles.

Tools (evaluate, directions, detective) add their own section to config.json through ``update_section``, a
merge that keeps every other section. A section (and a file derived from the weights) records the digest of
the weights it was computed from (``weights_digest``); once training writes new weights, ``is_fresh`` says it
is stale, so nothing computed from older weights is served as if it were current.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as safetensors_bytes
from torch import nn

from . import atomic
from .registry import kind as kind_spec
from .registry import kinds

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
DISCRIMINATOR_FILE = "discriminator.safetensors"
FORMAT_VERSION = 1
MAX_WEIGHTS_BYTES = 1 << 30  # a generator file over 1 GiB is not something this app can serve
# the keys save_checkpoint owns; every other top-level key of config.json is a tool's section, kept on save
MODEL_KEYS = ("kind", "format_version", "model", "class_names", "normalization", "training")


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and says why."""


def save_checkpoint(folder, kind: str, config, generator: nn.Module, discriminator: nn.Module | None = None,
                    metadata: dict | None = None, half: bool = False) -> None:
    """Write the weights first and config.json last, each atomically, so a folder with a config is complete.
    Tools' sections already in config.json are kept (stale ones are told apart by their weights digest).
    ``half`` stores the generator's floating-point tensors in fp16 (half the file; a tensor with values beyond
    fp16's range stays fp32); loading casts them back."""
    folder = Path(folder)
    kept = _existing_sections(folder)
    atomic.write_bytes(folder / WEIGHTS_FILE, _state_bytes(generator, torch.float16 if half else None))
    if discriminator is not None:
        atomic.write_bytes(folder / DISCRIMINATOR_FILE, _state_bytes(discriminator))
    payload = {"kind": kind, "format_version": FORMAT_VERSION, "model": dataclasses.asdict(config)}
    payload.update(metadata or {})
    atomic.write_json(folder / CONFIG_FILE, {**payload, **kept})


def _existing_sections(folder: Path) -> dict:
    try:
        payload = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in payload.items() if k not in MODEL_KEYS} if isinstance(payload, dict) else {}


def update_section(folder, section: str, value: dict) -> None:
    """Merge one tool's section into config.json (atomically), keeping every other section as it is."""
    if section in MODEL_KEYS:
        raise ValueError(f"{section!r} is written by training, not by a tool")
    payload = read_config(folder)
    payload[section] = value
    atomic.write_json(Path(folder) / CONFIG_FILE, payload)


def save_auxiliary(folder, module: nn.Module, payload: dict) -> None:
    """A model that is not a GAN kind (the evaluation classifier): its weights, then its config.json."""
    folder = Path(folder)
    atomic.write_bytes(folder / WEIGHTS_FILE, _state_bytes(module))
    atomic.write_json(folder / CONFIG_FILE, payload)


def save_discriminator(folder, discriminator: nn.Module) -> None:
    """Replace a folder's discriminator weights (atomically) after fine-tuning it alone."""
    atomic.write_bytes(Path(folder) / DISCRIMINATOR_FILE, _state_bytes(discriminator))


def weights_digest(folder, file: str = WEIGHTS_FILE) -> str:
    """The SHA-256 of a weights file (first 16 hex digits): what a derived file or section was computed from."""
    return hashlib.sha256((Path(folder) / file).read_bytes()).hexdigest()[:16]


def is_fresh(folder, section: dict, file: str = WEIGHTS_FILE) -> bool:
    """Whether ``section`` (or a derived file's metadata) records the digest of the folder's current ``file``."""
    return isinstance(section, dict) and section.get("weights") == weights_digest(folder, file)


def read_config(folder) -> dict:
    path = Path(folder) / CONFIG_FILE
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no config.json in this folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"{path}: not a readable JSON config ({error})") from None
    if not isinstance(payload, dict) or payload.get("kind") not in kinds():
        raise CheckpointError(f"{path}: 'kind' must be one of {sorted(kinds())}")
    return payload


def build_config(kind: str, fields: dict, source) -> object:
    config_class = kind_spec(kind).config_class
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
    generator = kind_spec(kind).generator_class(config)
    load_weights_into(generator, read_safetensors(Path(folder) / WEIGHTS_FILE), Path(folder) / WEIGHTS_FILE)
    return payload, generator.eval()


def load_discriminator(folder) -> nn.Module | None:
    """The shipped discriminator, or None when the folder has none."""
    path = Path(folder) / DISCRIMINATOR_FILE
    discriminator = new_discriminator(folder)
    if not path.exists() or discriminator is None:
        return None
    load_weights_into(discriminator, read_safetensors(path), path)
    return discriminator.eval()


def new_discriminator(folder) -> nn.Module | None:
    """An untrained discriminator for the folder's generator (its kind and config), or None for a kind without."""
    payload = read_config(folder)
    spec = kind_spec(payload["kind"])
    if spec.discriminator_class is None:
        return None
    config = build_config(payload["kind"], payload.get("model", {}), Path(folder) / CONFIG_FILE)
    return spec.discriminator_class(config)


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
