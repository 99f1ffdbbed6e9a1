"""Resolve a model name to a ready-to-use model: shipped, a local folder or file, or a Hub repo id."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

from . import hub
from .checkpoints import CONFIG_FILE, WEIGHTS_FILE, CheckpointError, load_generator, load_weights_into, read_config
from .foreign import infer_model, read_state_file
from .registry import kind as kind_spec


def shipped_dir() -> Path:
    """checkpoints/ beside the package (GAN_PLAYGROUND_CHECKPOINTS overrides it)."""
    override = os.environ.get("GAN_PLAYGROUND_CHECKPOINTS")
    return Path(override) if override else Path(__file__).resolve().parent.parent / "checkpoints"


def list_models(kind: str | None = None) -> list[str]:
    """Names of the shipped checkpoints (optionally of one kind), sorted."""
    return [name for name, folder_kind in shipped_kinds().items() if kind is None or folder_kind == kind]


def shipped_kinds() -> dict[str, str]:
    """Shipped checkpoint name -> its kind, for every folder with a readable config and weights."""
    found = {}
    root = shipped_dir()
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        if not (folder / CONFIG_FILE).exists() or not (folder / WEIGHTS_FILE).exists():
            continue
        try:
            found[folder.name] = read_config(folder)["kind"]
        except CheckpointError:
            continue
    return found


def resolve(name: str) -> Path:
    """A shipped name, an existing path, or a Hub repo id (downloaded or taken from the Hub cache)."""
    name = str(name)
    if name in list_models():
        return shipped_dir() / name
    path = Path(name).expanduser()
    if path.exists():
        return path
    if hub.looks_like_repo_id(name):
        return hub.download_checkpoint(name)
    shipped = ", ".join(list_models()) or "none"
    raise CheckpointError(f"{name!r}: no shipped model, file or folder of that name, and not a Hub repo id "
                          f"(shipped: {shipped})")


def load(name: str):
    """The kind's inference wrapper (``ImageGenerator``, ``SketchTranslator``, ...), on the CPU in eval mode."""
    path = resolve(name)
    if path.is_dir() and (path / CONFIG_FILE).exists() and "kind" in _json_keys(path / CONFIG_FILE):
        payload, module = load_generator(path)
        folder = path
    else:
        payload, module, folder = _load_foreign(path)
    return kind_spec(payload["kind"]).wrapper(name=str(name), payload=payload, module=module, folder=folder)


def _json_keys(path: Path) -> set:
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return set(payload) if isinstance(payload, dict) else set()


def _load_foreign(path: Path):
    """A .pth / .safetensors file, or a folder (e.g. a Hub repo) holding exactly one such file."""
    if path.is_dir():
        candidates = sorted(p for p in path.iterdir() if p.suffix in (".safetensors", ".pth", ".pt", ".bin"))
        if len(candidates) != 1:
            raise CheckpointError(f"{path}: expected config.json + model.safetensors, or exactly one weights "
                                  f"file, found {[p.name for p in candidates] or 'none'}")
        path = candidates[0]
    kind, config, state = infer_model(read_state_file(path), path)
    module = kind_spec(kind).generator_class(config)
    load_weights_into(module, state, path)
    payload = {"kind": kind, "model": dataclasses.asdict(config), "source": f"foreign weights {path.name}"}
    return payload, module.eval(), None
