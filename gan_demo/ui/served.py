"""The models the app serves: loaded once, warmed up, looked up only by names it knows, grouped by the view
(``KindSpec.view``) that shows them."""
from __future__ import annotations

import logging
import threading

from ..loading import load, shipped_kinds
from ..registry import kind
from .hardware import inference_device

log = logging.getLogger(__name__)
# the model a view opens on where it is served (else the first by name): the seeds' own examples ("give it a 7",
# the InfoGAN paper's digits), and the colouriser that commits to colours, a drawn heart red, where
# openmoji-pix2pix, higher on held-out PSNR, paints ambiguous shapes the mean emoji colour (both cards measure both)
OPENS_ON = {"conditional": "mnist-cgan", "coded": "mnist-infogan", "sketch": "openmoji-pix2pix-palette"}


class ServedModels:
    """Names -> loaded models. Only shipped models and ones added in this session are reachable, so a request
    can never make the server read an arbitrary path (``../``) or reach the network."""

    def __init__(self):
        self._models: dict[str, object] = {}
        self._lock = threading.Lock()
        self._kinds = shipped_kinds()

    def names(self, *views: str) -> list[str]:
        """The served models shown by any of ``views`` ("latent", "conditional", "sketch", ...): the shipped ones in
        name order, then those added in this session, except that a view's ``OPENS_ON`` model comes first."""
        first = {OPENS_ON.get(view) for view in views}
        shown = [name for name, kind_name in self._kinds.items() if kind(kind_name).view in views]
        return sorted(shown, key=lambda name: name not in first)

    def get(self, name, *views: str):
        """The loaded model ``name`` if one of ``views`` shows it; a ValueError naming the choices otherwise."""
        if not isinstance(name, str) or name not in self.names(*views):
            choices = ", ".join(self.names(*views)) or "none installed"
            raise ValueError(f"unknown model {str(name)[:80]!r}; choose one of: {choices}")
        with self._lock:
            if name not in self._models:
                self._models[name] = load(name).to(inference_device())
            return self._models[name]

    def add(self, name: str, model) -> None:
        """Serve a model trained in this session (the Train tab) under ``name``."""
        with self._lock:
            self._models[name] = model
            self._kinds[name] = model.kind

    def view_of(self, name: str) -> str:
        return kind(self._kinds[name]).view

    def warm_up(self) -> None:
        """Load every model and run it once, so the first request does not pay for it."""
        for name, kind_name in list(self._kinds.items()):
            self.get(name, kind(kind_name).view).warm_up()
            log.info("warmed up %s", name)
