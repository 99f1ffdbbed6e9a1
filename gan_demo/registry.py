"""The GAN kinds this library knows: kind name -> ``KindSpec``.

Each module of ``gan_demo.kinds`` registers one kind, and everything else (``load``, the training CLI, model
cards, the app's views) asks this registry, so a kind's name is written in its own module only. Adding a kind
is adding its module (and its training task, named here as a dotted path so the library never imports
``train``).
"""
from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass
from typing import Callable

from torch import nn


@dataclass(frozen=True)
class KindSpec:
    name: str  # "dcgan": written in config.json, the CLI's sub-command, the tag on the model card
    title: str  # "DCGAN": how cards and help texts call it
    config_class: type  # a dataclass of every constructor argument (saved whole in config.json)
    generator_class: type[nn.Module]  # built from a config; its weights are model.safetensors
    discriminator_class: type[nn.Module] | None  # the detective, discriminator.safetensors when shipped
    wrapper: Callable  # (name, payload, module, folder) -> what gan_demo.load returns
    view: str  # the app view that shows it: "latent", "conditional" or "sketch"
    task: str  # "module.path:ClassName" of its training task in train/
    pipeline_tag: str  # the Hub's task name for the card
    usage: Callable[[dict], str]  # config.json payload -> the card's line of Python after load()
    # a foreign state dict -> (config, state with this kind's key names), or None when the layout is not this kind's
    from_foreign: Callable[[dict, object], tuple[object, dict] | None] | None = None
    # training options -> card lines that say what objective trained it (beyond the kind's usual one)
    objective: Callable[[dict], str] | None = None


_KINDS: dict[str, KindSpec] = {}
_discovery = threading.Lock()
_discovered = threading.Event()  # set once every module of gan_demo.kinds has registered


def register(spec: KindSpec) -> KindSpec:
    if spec.name in _KINDS and _KINDS[spec.name] is not spec:
        raise ValueError(f"GAN kind {spec.name!r} is registered twice")
    _KINDS[spec.name] = spec
    return spec


def _discover() -> None:
    """Import every module of gan_demo.kinds once (each registers itself)."""
    from . import kinds

    for module in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"{kinds.__name__}.{module.name}")


def kinds() -> dict[str, KindSpec]:
    """Every registered kind, by name, in registration order (the first call imports the kind modules; calls
    from other threads meanwhile wait for all of them, never seeing a half-filled registry)."""
    if not _discovered.is_set():
        with _discovery:
            if not _discovered.is_set():
                _discover()
                _discovered.set()
    return dict(_KINDS)


def kind(name: str) -> KindSpec:
    """The spec of ``name``; a KeyError listing the known kinds otherwise."""
    known = kinds()
    if name not in known:
        raise KeyError(f"unknown GAN kind {name!r}; known kinds: {', '.join(known)}")
    return known[name]


def kinds_in_view(view: str) -> list[str]:
    return [name for name, spec in kinds().items() if spec.view == view]
