"""Differentiable augmentation (DiffAugment, Zhao et al. 2020) for GANs trained on a few thousand images.

The same random transforms are applied to real and generated images whenever the discriminator sees
them, in both the D and the G step; gradients flow through them to the generator, so D cannot
overfit the small real set while G is never taught to produce augmented images.
Images are in [-1, 1]; every function keeps the shape (N, C, H, W).
"""
from __future__ import annotations

import torch

POLICIES = ("color", "translation", "cutout")


def diff_augment(images: torch.Tensor, policy: tuple[str, ...]) -> torch.Tensor:
    for name in policy:
        images = AUGMENTATIONS[name](images)
    return images


def parse_policy(text: str) -> tuple[str, ...]:
    """'color,translation,cutout' -> a tuple; '' or 'none' -> no augmentation."""
    names = tuple(n.strip() for n in text.split(",") if n.strip() and n.strip() != "none")
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise ValueError(f"unknown augmentation {unknown[0]!r}; choose from {', '.join(POLICIES)}")
    return names


def _per_image(images: torch.Tensor) -> torch.Tensor:
    return torch.rand(images.shape[0], 1, 1, 1, device=images.device, dtype=images.dtype)


def colour(images: torch.Tensor) -> torch.Tensor:
    """Random brightness (±0.5), saturation (×0..2, colour images only) and contrast (×0.5..1.5)."""
    images = images + (_per_image(images) - 0.5)
    if images.shape[1] > 1:
        mean = images.mean(dim=1, keepdim=True)
        images = (images - mean) * (_per_image(images) * 2) + mean
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return (images - mean) * (_per_image(images) + 0.5) + mean


def translation(images: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size, filling with zeros (mid-grey)."""
    n, _, h, w = images.shape
    max_dy, max_dx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-max_dy, max_dy + 1, (n, 1, 1), device=images.device)
    dx = torch.randint(-max_dx, max_dx + 1, (n, 1, 1), device=images.device)
    rows = torch.arange(h, device=images.device).view(1, h, 1) - dy
    cols = torch.arange(w, device=images.device).view(1, 1, w) - dx
    inside = ((rows >= 0) & (rows < h) & (cols >= 0) & (cols < w)).unsqueeze(1)
    flat = (rows.clamp(0, h - 1) * w + cols.clamp(0, w - 1)).view(n, 1, h * w).expand(-1, images.shape[1], -1)
    shifted = images.reshape(n, images.shape[1], h * w).gather(2, flat).view_as(images)
    return shifted * inside


def cutout(images: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    """Zero one square of ``ratio`` × the image size at a random place in each image."""
    n, _, h, w = images.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = torch.randint(0, h + 1 - ch % 2, (n, 1, 1), device=images.device) - ch // 2
    left = torch.randint(0, w + 1 - cw % 2, (n, 1, 1), device=images.device) - cw // 2
    rows = torch.arange(h, device=images.device).view(1, h, 1)
    cols = torch.arange(w, device=images.device).view(1, 1, w)
    hole = (rows >= top) & (rows < top + ch) & (cols >= left) & (cols < left + cw)
    return images * (~hole).unsqueeze(1).to(images.dtype)


AUGMENTATIONS = {"color": colour, "translation": translation, "cutout": cutout}


