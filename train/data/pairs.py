"""Paired data for pix2pix, as uint8 tensors: sketches (N, V, C_in, S, S) with V stroke variants, targets (N, C, S, S).

- ``openmoji``: OpenMoji line layer alone -> the full colour emoji; each sketch is rendered at several stroke
  widths, so drawings with thinner or bolder lines than OpenMoji's still look familiar; never the test split.
  Two kinds of emoji are left out of both splits, as they are not line art -> colour examples: skin-tone variants
  (five colourings of the default emoji's line art, so the input cannot tell which is right) and colourless emoji
  (black symbols whose colour image is the line art itself).
- an aligned folder (the standard pix2pix datasets: A|B side by side, with ``train/ val/ test/``);
- a folder with ``A/`` and ``B/`` holding files of matching names;
- ``--download NAME`` fetches a standard archive (facades, edges2shoes, maps, night2day, cityscapes).
"""
from __future__ import annotations

import logging
import os
import re
import tarfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from .core import IMAGE_SUFFIXES, DataError, cache_dir, save_tensor
from .openmoji import OPENMOJI_CREDIT, line_art_svg, openmoji_codes, read_svg, render_svg

log = logging.getLogger(__name__)

STANDARD_DATASETS = ("facades", "edges2shoes", "maps", "night2day", "cityscapes")
DATASETS_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets"
STROKE_SCALES = (0.75, 1.0, 1.4)  # OpenMoji draws 2 units in a 72-unit box; variants at 1.5, 2 and 2.8
STROKE_WIDTH = re.compile(r'stroke-width="([0-9.]+)"')
SKIN_TONE = re.compile(r"1F3F[B-F]")  # the Fitzpatrick modifiers U+1F3FB..U+1F3FF in a hexcode
COLOURLESS_LEVELS = 1.0  # mean |colour - line art| (0..255) below which an emoji has nothing to colour in


@dataclass
class PairData:
    sketches: torch.Tensor  # uint8 (N, V, C_in, S, S): V variants of each input
    targets: torch.Tensor  # uint8 (N, C_out, S, S)
    source: str = ""
    credit: str = ""

    def __len__(self) -> int:
        return len(self.targets)

    def to(self, device) -> "PairData":
        return PairData(self.sketches.to(device), self.targets.to(device), self.source, self.credit)


def load_pairs(name: str, image_size: int, direction: str = "AtoB", split: str = "train") -> PairData:
    if name == "openmoji":
        return load_openmoji_pairs(image_size, split)
    folder = Path(name)
    if not folder.is_dir():
        raise DataError(f"--data {name!r}: expected openmoji, an aligned A|B folder, a folder with A/ and B/, "
                        "or --download " + "|".join(STANDARD_DATASETS))
    if (folder / "A").is_dir() and (folder / "B").is_dir():
        pairs = load_paired_folders(folder / "A", folder / "B", image_size)
    else:
        pairs = load_aligned(folder / split if (folder / split).is_dir() else folder, image_size)
    if direction == "BtoA":
        pairs = PairData(pairs.targets[:, None], pairs.sketches[:, 0], pairs.source + ", B to A")
    return pairs


def scale_strokes(svg: str, factor: float) -> str:
    return STROKE_WIDTH.sub(lambda m: f'stroke-width="{float(m.group(1)) * factor:.3f}"', svg)


def load_openmoji_pairs(image_size: int, split: str = "train") -> PairData:
    path = cache_dir() / f"openmoji-pairs-v2-{split}-{image_size}.pt"
    if path.exists():
        sketches, targets = torch.load(path, weights_only=True).values()
    else:
        sketches, targets = render_openmoji_pairs(image_size, split)
        save_tensor(path, {"sketches": sketches, "targets": targets})
    return PairData(sketches, targets, credit=OPENMOJI_CREDIT,
                    source=f"OpenMoji {split} split: line layer -> colour ({len(targets)} pairs; country flags, "
                           "skin-tone variants and colourless emoji excluded)")


def render_openmoji_pairs(image_size: int, split: str) -> tuple[torch.Tensor, torch.Tensor]:

    sketches, targets, failed, colourless = [], [], 0, 0
    for code in openmoji_codes(split):
        if SKIN_TONE.search(code):
            continue
        svg = read_svg(code)
        colour = render_svg(svg, image_size)
        lines = [render_svg(scale_strokes(line_art_svg(svg), s), image_size) for s in STROKE_SCALES]
        if colour is None or any(x is None for x in lines):
            failed += 1
            continue
        if np.abs(colour.astype(np.float32) - lines[STROKE_SCALES.index(1.0)]).mean() < COLOURLESS_LEVELS:
            colourless += 1
            continue
        sketches.append(np.stack([x.mean(axis=2, keepdims=True).astype(np.uint8) for x in lines]))
        targets.append(colour)
    log.info("left out %d colourless OpenMoji", colourless)
    log.info("rendered %d OpenMoji pairs (%d failed to render and were skipped)", len(targets), failed)
    sketch_tensor = torch.from_numpy(np.stack(sketches)).permute(0, 1, 4, 2, 3).contiguous()
    return sketch_tensor, torch.from_numpy(np.stack(targets)).permute(0, 3, 1, 2).contiguous()


def image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)


def read_rgb(path: Path, size: tuple[int, int] | None = None, box=None) -> np.ndarray:
    with Image.open(path) as image:
        image = image.convert("RGB")
        if box is not None:
            image = image.crop(box)
        return np.asarray(image.resize(size, Image.Resampling.BICUBIC) if size else image)


def load_aligned(folder: Path, image_size: int) -> PairData:
    """Each file holds A (left half) and B (right half) side by side."""
    sketches, targets = [], []
    for path in image_files(folder):
        try:
            with Image.open(path) as image:
                width, height = image.size
            half = width // 2
            sketches.append(read_rgb(path, (image_size, image_size), (0, 0, half, height)))
            targets.append(read_rgb(path, (image_size, image_size), (half, 0, 2 * half, height)))
        except (UnidentifiedImageError, OSError) as error:
            log.warning("skipping %s: %s", path, error)
    return stack_pairs(sketches, targets, f"aligned A|B folder {folder}", folder)


def load_paired_folders(folder_a: Path, folder_b: Path, image_size: int) -> PairData:
    names_b = {p.stem: p for p in image_files(folder_b)}
    sketches, targets = [], []
    for path in image_files(folder_a):
        if path.stem not in names_b:
            log.warning("skipping %s: no file of that name in %s", path.name, folder_b)
            continue
        try:
            sketches.append(read_rgb(path, (image_size, image_size)))
            targets.append(read_rgb(names_b[path.stem], (image_size, image_size)))
        except (UnidentifiedImageError, OSError) as error:
            log.warning("skipping %s: %s", path, error)
    return stack_pairs(sketches, targets, f"paired folders {folder_a} -> {folder_b}", folder_a.parent)


def stack_pairs(sketches, targets, source: str, folder: Path) -> PairData:
    if not targets:
        raise DataError(f"--data {folder}: no readable image pairs there")
    def to_tensor(arrays):
        return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()

    return PairData(to_tensor(sketches)[:, None], to_tensor(targets), source=f"{source} ({len(targets)} pairs)")


def download_standard(name: str) -> Path:
    """Fetch and unpack a standard pix2pix archive into the cache; returns the dataset folder."""
    if name not in STANDARD_DATASETS:
        raise DataError(f"--download {name!r}: choose one of {', '.join(STANDARD_DATASETS)}")
    root = cache_dir() / "paired-datasets"
    folder = root / name
    if (folder / "train").is_dir():
        return folder
    base = os.environ.get("GAN_PLAYGROUND_PIX2PIX_URL", DATASETS_URL).rstrip("/")
    archive = root / f"{name}.tar.gz"
    root.mkdir(parents=True, exist_ok=True)
    partial = archive.with_suffix(".part")
    try:
        log.info("downloading %s/%s.tar.gz", base, name)
        urllib.request.urlretrieve(f"{base}/{name}.tar.gz", partial)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DataError(f"could not download the {name} dataset from {base} (are you offline?): {error}") from None
    os.replace(partial, archive)
    with tarfile.open(archive) as tar:
        tar.extractall(root, filter="data")  # refuses absolute paths and ../ in members
    if not (folder / "train").is_dir():
        raise DataError(f"{archive} did not unpack into {folder}/train")
    return folder
