"""Image-to-image inference (pix2pix, CycleGAN): any image in, the translated image out, at the input's aspect
ratio and the model's trained scale."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import torch
from PIL import Image

from .images import as_pil, from_pil, pad_to_square, to_pil_images


def at_model_size(image, size: int, channels: int, run) -> Image.Image:
    """``run`` ((1, C, S, S) in [-1, 1] -> same shape) on ``image`` brought to the model's size (its longer side)
    and padded to a white square, and the result cropped back to the input's aspect ratio. Resized before it is
    padded, so a long thin upload never becomes a huge square."""
    picture = as_pil(image)
    scale = size / max(picture.size)
    inner = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    square, box = pad_to_square(picture.resize(inner, Image.Resampling.BICUBIC if scale > 1
                                               else Image.Resampling.LANCZOS))
    result = to_pil_images(run(from_pil(square, channels)))[0]
    return result.crop(box) if box != (0, 0, size, size) else result


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
        return at_model_size(image, self.image_size, self.config.input_channels,
                             lambda pixels: self.translate_tensor(pixels, seed))

    def translate_tensor(self, images: torch.Tensor, seed: int = 0) -> torch.Tensor:
        """(N, C, S, S) in [-1, 1] -> (N, C_out, S, S); deterministic for a seed (dropout noise in paper mode).
        A model with ``mirror_average`` runs the input and its mirror image in one batch and averages the U-Net's
        outputs (palette mode: the logits, before the colours are chosen)."""
        with self._lock, torch.inference_mode(), self._mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            device = next(self.module.parameters()).device
            if device.type == "cuda":
                torch.cuda.manual_seed(seed)
            images = images.float().to(device)
            if not self.config.mirror_average:
                return self.module(images)
            both = self.module.logits(torch.cat([images, images.flip(-1)]))
            return self.module.coloured((both[:len(images)] + both[len(images):].flip(-1)) / 2, images)

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


class DomainTranslator:
    """A CycleGAN: ``translate(image, direction="AtoB" or "BtoA")``, and ``round_trip`` (there and back)."""

    def __init__(self, name: str, payload: dict, module: torch.nn.Module, folder: Path | None):
        self.name, self.payload, self.module, self.folder = name, payload, module, folder
        self.kind: str = payload["kind"]
        self.config = module.config
        self.image_size: int = self.config.image_size
        self.domains: tuple[str, str] = tuple(self.config.domains)
        self.directions: tuple[str, ...] = tuple(self.config.directions)

    def __repr__(self) -> str:
        return f"DomainTranslator({self.name!r}, {' <-> '.join(self.domains)}, {self.image_size}px)"

    def check_direction(self, direction: str) -> str:
        if direction not in self.directions:
            raise ValueError(f"direction must be one of {', '.join(self.directions)} for {self.name}, "
                             f"got {direction!r}")
        return direction

    def input_channels(self, direction: str) -> int:
        return self.config.channels_a if direction == "AtoB" else self.config.channels_b

    @torch.inference_mode()
    def translate_tensor(self, images: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """(N, C, S, S) in [-1, 1], S divisible by 4 -> (N, C', S, S) of the other domain."""
        device = next(self.module.parameters()).device
        return self.module(images.float().to(device), self.check_direction(direction))

    def translate(self, image, direction: str = "AtoB") -> Image.Image:
        """``image`` (PIL or array, any size and mode) in the other domain's style, at the input's aspect ratio."""
        self.check_direction(direction)
        return at_model_size(image, self.image_size, self.input_channels(direction),
                             lambda pixels: self.translate_tensor(pixels, direction))

    def round_trip(self, image, direction: str = "AtoB") -> tuple[Image.Image, Image.Image]:
        """(translated, translated back): the cycle the model is trained to keep."""
        there = self.translate(image, direction)
        back = "BtoA" if direction == "AtoB" else "AtoB"
        return there, self.translate(there, back)

    def warm_up(self) -> None:
        self.translate(Image.new("RGB", (self.image_size, self.image_size), "white"), self.directions[0])

    def to(self, device) -> "DomainTranslator":
        self.module.to(device)
        return self
