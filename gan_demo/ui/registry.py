"""The models the app serves: loaded once, warmed up, looked up only by names it knows."""
from __future__ import annotations

import logging
import threading

from ..loading import list_models, load
from .hardware import inference_device

log = logging.getLogger(__name__)


class ModelRegistry:
    """Names -> loaded models. Only shipped models and ones registered in this session are reachable, so a
    request can never make the server read an arbitrary path (``../``) or reach the network."""

    def __init__(self):
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()
        self._known = {name: None for name in list_models()}

    def names(self, kind: str) -> list[str]:
        return [name for name in self._known if self._kind_of(name) == kind]

    def _kind_of(self, name: str) -> str:
        from ..checkpoints import read_config
        from ..loading import shipped_dir

        if self._known.get(name) is None:
            self._known[name] = read_config(shipped_dir() / name)["kind"]
        return self._known[name]

    def get(self, name, kind: str):
        """The loaded model ``name`` of ``kind``; a ValueError naming the choices otherwise."""
        if not isinstance(name, str) or name not in self._known or self._kind_of(name) != kind:
            choices = ", ".join(self.names(kind)) or "none installed"
            raise ValueError(f"unknown {kind} model {str(name)[:80]!r}; choose one of: {choices}")
        with self._lock:
            if name not in self._models:
                self._models[name] = load(name).to(inference_device())
            return self._models[name]

    def get_generator(self, name):
        """A DCGAN or cGAN by name, whichever it is."""
        known = isinstance(name, str) and name in self._known and self._kind_of(name) == "cgan"
        return self.get(name, "cgan" if known else "dcgan")  # unknown names get get()'s clear error

    def add(self, name: str, model) -> None:
        """Serve a model trained in this session (the Train tab) under ``name``."""
        with self._lock:
            self._models[name] = model
            self._known[name] = model.kind

    def warm_up(self) -> None:
        """Load every model and run it once, so the first request does not pay for it."""
        for name in list(self._known):
            model = self.get(name, self._kind_of(name))
            if model.kind == "pix2pix":
                from PIL import Image

                model.translate(Image.new("RGB", (model.image_size, model.image_size), "white"))
            else:
                model.generate(1, seed=0, labels=0 if model.classes else None)
            log.info("warmed up %s", name)
