"""Tensor <-> PIL conversions shared by inference and training."""
from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) floats in [-1, 1] -> (N, H, W, C) uint8."""
    array = images.detach().float().clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
    return array.permute(0, 2, 3, 1).cpu().numpy()


def to_pil_images(images: torch.Tensor) -> list[Image.Image]:
    pixels = to_uint8(images)
    if pixels.shape[-1] == 1:
        return [Image.fromarray(p[:, :, 0], mode="L") for p in pixels]
    return [Image.fromarray(p, mode="RGB") for p in pixels]


def tensor_grid(images: torch.Tensor, columns: int = 8, padding: int = 2) -> Image.Image:
    """A grid of (N, C, H, W) images in [-1, 1] on a white background."""
    pixels = to_uint8(images)
    n, h, w, c = pixels.shape
    rows = math.ceil(n / columns)
    canvas = np.full((rows * (h + padding) + padding, columns * (w + padding) + padding, c), 255, np.uint8)
    for i, tile in enumerate(pixels):
        top, left = padding + (i // columns) * (h + padding), padding + (i % columns) * (w + padding)
        canvas[top:top + h, left:left + w] = tile
    return Image.fromarray(canvas[:, :, 0] if c == 1 else canvas)


def from_pil(image: Image.Image, channels: int) -> torch.Tensor:
    """A PIL image -> (1, C, H, W) in [-1, 1]."""
    array = np.asarray(image.convert("L" if channels == 1 else "RGB"), dtype=np.float32)
    tensor = torch.from_numpy(array.copy()).reshape(array.shape[0], array.shape[1], channels).permute(2, 0, 1)
    return tensor.unsqueeze(0).div(127.5).sub(1.0)
