"""Tensor <-> PIL conversions shared by inference and training, and any user image -> a plain RGB PIL image."""
from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image

MAX_PIXELS = 40_000_000  # larger arrays are refused before any work is done


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
