"""Image folders too large to hold in memory, decoded on the fly by DataLoader workers.

Everything smaller (MNIST, OpenMoji, most folders) is one uint8 tensor on the training device and batches are
indexed from it; the loop asks ``epoch_batches`` for either kind and gets (data, indices) pairs the tasks use
the same way.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .core import DataError, ImageData, center_square

log = logging.getLogger(__name__)


def preload_limit_bytes() -> int:
    """Decoded size above which an image folder is streamed (GAN_PLAYGROUND_PRELOAD_BYTES, default 4 GiB)."""
    return int(os.environ.get("GAN_PLAYGROUND_PRELOAD_BYTES", 4 << 30))


class StreamedFolder(torch.utils.data.Dataset):
    """The images of a folder, each decoded, centre-cropped to a square and resized when asked for."""

    labels = None
    class_names: list[str] = []
    credit = ""

    def __init__(self, files: list[Path], image_size: int, channels: int, source: str):
        self.files, self.image_size, self.channels, self.source = files, image_size, channels, source

    def __len__(self) -> int:
        return len(self.files)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self.channels, self.image_size, self.image_size

    def __getitem__(self, index: int) -> torch.Tensor:
        """The image at ``index``; an unreadable file is logged and replaced by the next readable one, so one
        bad file among millions does not end (or, on --resume, re-end) the run."""
        for offset in range(len(self.files)):
            path = self.files[(index + offset) % len(self.files)]
            try:
                return self.decode(path)
            except (UnidentifiedImageError, OSError) as error:
                log.warning("skipping %s: %s", path, error)
        raise DataError(f"{self.source}: no readable images")

    def decode(self, path: Path) -> torch.Tensor:
        with Image.open(path) as image:
            square = center_square(image.convert("L" if self.channels == 1 else "RGB"))
            pixels = np.asarray(square.resize((self.image_size, self.image_size), Image.Resampling.LANCZOS))
        pixels = pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)
        return torch.from_numpy(np.ascontiguousarray(pixels))

    def to(self, device) -> "StreamedFolder":
        return self  # stays on disk; each batch moves to the device as it is decoded


def epoch_batches(data, shard: torch.Tensor, batch_size: int, start: int, steps: int, device):
    """(data, indices into it) for the batches ``start`` to ``steps - 1`` of one epoch's ``shard`` (every rank
    takes the same number of steps, so DDP's ranks stay in step)."""
    if not isinstance(data, StreamedFolder):
        for index in range(start, steps):
            yield data, shard[index * batch_size:(index + 1) * batch_size]
        return
    remaining = shard[start * batch_size:steps * batch_size].tolist()
    loader = torch.utils.data.DataLoader(torch.utils.data.Subset(data, remaining), batch_size=batch_size,
                                         num_workers=min(4, os.cpu_count() or 1), drop_last=True,
                                         pin_memory=torch.device(device).type == "cuda",
                                         generator=torch.Generator())  # its seed draw leaves the run's RNG alone
    for images in loader:
        batch = ImageData(images.to(device, non_blocking=True), None, [], data.source)
        yield batch, torch.arange(len(images), device=device)
