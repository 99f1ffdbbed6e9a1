"""Rendering OpenMoji SVGs: the whole emoji (colour) and its black line layer alone (the sketch)."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

from .data import openmoji_svg_dir

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


def render_line_art(hexcode: str, size: int) -> np.ndarray | None:
    return render_svg(line_art_svg(read_svg(hexcode)), size)
