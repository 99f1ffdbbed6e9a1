"""Pix2pix inference: any image in, the translated image out, at the input's aspect ratio."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .images import from_pil, to_pil_images

MAX_PIXELS = 40_000_000  # larger arrays are refused before any work is done


def as_pil(image) -> Image.Image:
    """A PIL image or array of any mode / dtype -> RGB on white (alpha composited, 16-bit scaled)."""
    if isinstance(image, np.ndarray):
        image = array_to_pil(image)
    if not isinstance(image, Image.Image):
        raise ValueError(f"expected a PIL image or a numpy array, got {type(image).__name__}")
    if image.width * image.height > MAX_PIXELS:
        raise ValueError(f"image of {image.width}x{image.height} is too large (limit {MAX_PIXELS:,} pixels)")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray((array / peak * 255).clip(0, 255).astype(np.uint8), mode="L")
    if image.mode == "F":
        image = array_to_pil(np.asarray(image))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def array_to_pil(array: np.ndarray) -> Image.Image:
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or array.size == 0:
        raise ValueError(f"expected an (H, W), (H, W, 3) or (H, W, 4) array, got shape {array.shape}")
    if array.dtype == bool:
        array = array.astype(np.uint8) * 255
    elif array.dtype == np.uint16:
        array = (array / 257).astype(np.uint8)
    elif np.issubdtype(array.dtype, np.floating):
        array = np.nan_to_num(array, nan=1.0, posinf=1.0, neginf=0.0)
        array = (array.clip(0, 1) * 255 if array.max() <= 1.0 else array.clip(0, 255)).astype(np.uint8)
    else:
        array = array.clip(0, 255).astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(array))


def pad_to_square(image: Image.Image, fill=(255, 255, 255)) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """Centre ``image`` on a square canvas; returns it and the box the original occupies."""
    side = max(image.size)
    left, top = (side - image.width) // 2, (side - image.height) // 2
    canvas = Image.new(image.mode, (side, side), fill)
    canvas.paste(image, (left, top))
    return canvas, (left, top, left + image.width, top + image.height)


class SketchTranslator:
    """A pix2pix generator, loaded once, run in the inference mode it was trained for."""

    def __init__(self, name: str, payload: dict, module: torch.nn.Module, folder: Path | None):
        self.name, self.payload, self.module, self.folder = name, payload, module, folder
        self.kind = "pix2pix"
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
