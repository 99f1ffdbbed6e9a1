"""Any folder of images: preloaded as one tensor, or streamed when it would not fit in memory."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .core import IMAGE_SUFFIXES, DataError, ImageData, center_square
from .streaming import StreamedFolder, preload_limit_bytes

log = logging.getLogger(__name__)


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
