"""Pix2pix inference: any image in, the translated image out, at the input's aspect ratio."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import torch
from PIL import Image

from .images import as_pil, from_pil, pad_to_square, to_pil_images


class SketchTranslator:
    """A pix2pix generator, loaded once, run in the inference mode it was trained for."""

    def __init__(self, name: str, payload: dict, module: torch.nn.Module, folder: Path | None):
        self.name, self.payload, self.module, self.folder = name, payload, module, folder
        self.kind: str = payload["kind"]
        self.config = module.config
        self.image_size: int = self.config.image_size
        self._lock = threading.Lock()  # "paper" mode flips module state for the length of a call

    def __repr__(self) -> str:
        return f"SketchTranslator({self.name!r}, {self.image_size}px, {self.config.inference_mode} mode)"

    def translate(self, image, seed: int = 0) -> Image.Image:
        """The translation of ``image`` (PIL or array, any size and mode), at the input's aspect ratio."""
        square, box = pad_to_square(as_pil(image))
        scale = self.image_size / square.width
        model_input = square.resize((self.image_size, self.image_size), Image.Resampling.BICUBIC
                                    if scale > 1 else Image.Resampling.LANCZOS)
        output = self.translate_tensor(from_pil(model_input, self.config.input_channels), seed)
        result = to_pil_images(output)[0]
        crop = tuple(round(v * scale) for v in box)
        return result.crop(crop) if crop != (0, 0, self.image_size, self.image_size) else result

    def translate_tensor(self, images: torch.Tensor, seed: int = 0) -> torch.Tensor:
        """(N, C, S, S) in [-1, 1] -> (N, C_out, S, S); deterministic for a seed (dropout noise in paper mode).
        A model with ``mirror_average`` runs the input and its mirror image in one batch."""
        with self._lock, torch.inference_mode(), self._mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            device = next(self.module.parameters()).device
            if device.type == "cuda":
                torch.cuda.manual_seed(seed)
            images = images.float().to(device)
            if not self.config.mirror_average:
                return self.module(images)
            both = self.module(torch.cat([images, images.flip(-1)]))
            return (both[:len(images)] + both[len(images):].flip(-1)) / 2

    def warm_up(self) -> None:
        """One translation, so the first request does not pay for lazy initialisation."""
        self.translate(Image.new("RGB", (self.image_size, self.image_size), "white"))

    def to(self, device) -> "SketchTranslator":
        self.module.to(device)
        return self

    @contextmanager
    def _mode(self):
        """Paper mode: dropout on and batch statistics, without touching the stored running statistics."""
        if self.config.inference_mode != "paper":
            yield
            return
        norms = [m for m in self.module.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
        momenta = [m.momentum for m in norms]
        for norm in norms:
            norm.momentum = 0.0  # running = (1 - 0) * running + 0 * batch: unchanged
        self.module.train()
        try:
            yield
        finally:
            self.module.eval()
            for norm, momentum in zip(norms, momenta):
                norm.momentum = momentum
