"""What every dataset is: one uint8 tensor (N, C, H, W) plus labels, and the helpers all loaders share."""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image

from gan_demo import atomic

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


class DataError(RuntimeError):
    """A dataset that cannot be had; the message says what to do."""


@dataclass
class ImageData:
    images: torch.Tensor  # uint8 (N, C, H, W)
    labels: torch.Tensor | None  # int64 (N,) or None
    class_names: list[str] = field(default_factory=list)
    source: str = ""  # what was actually loaded, for logs and model cards
    credit: str = ""  # licence / attribution line, when the data needs one

    def __len__(self) -> int:
        return len(self.images)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return tuple(self.images.shape[1:])

    def to(self, device) -> "ImageData":
        labels = self.labels.to(device) if self.labels is not None else None
        return ImageData(self.images.to(device), labels, self.class_names, self.source, self.credit)


def cache_dir() -> Path:
    root = os.environ.get("GAN_PLAYGROUND_CACHE") or Path.home() / ".cache" / "gan_playground"
    return Path(root)


def conform(data: ImageData, image_size: int, channels: int | None) -> ImageData:
    """Resize (area/bilinear) and convert channels so every dataset fits every model size."""
    images = data.images
    if channels is not None and images.shape[1] != channels:
        images = images.float()
        images = images.mean(1, keepdim=True) if channels == 1 else images.expand(-1, 3, -1, -1)
        images = images.round().to(torch.uint8)
    if images.shape[-1] != image_size or images.shape[-2] != image_size:
        resized = F.interpolate(images.float(), size=(image_size, image_size), mode="bilinear",
                                antialias=True, align_corners=False)
        images = resized.round().clamp(0, 255).to(torch.uint8)
    data.images = images.contiguous()
    return data


def center_square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def save_tensor(path: Path, tensor: torch.Tensor) -> None:
    buffer = io.BytesIO()
    torch.save(tensor, buffer)
    atomic.write_bytes(path, buffer.getvalue())
