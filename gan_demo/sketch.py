"""Turning what people draw or upload into the kind of input a sketch model was trained on.

Training sketches are OpenMoji line art: black strokes about 2/72 of the image wide, the drawing filling
roughly 80 % of a white square. A browser drawing is anything but: a large canvas, a corner used, strokes of
any width. ``prepare_drawing`` crops to the strokes, pads to a centred square and matches the stroke width.
"""
from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from .images import as_pil

INK_THRESHOLD = 160  # grey levels below this count as a stroke
FILL_FRACTION = 0.8  # the drawing's longer side over the side of the square, as in OpenMoji
TRAINING_STROKE = 2 / 72  # OpenMoji's stroke width relative to the image side
MAX_UPLOAD_PIXELS = 25_000_000  # larger images are not drawings (the app also caps PIL's decoder, see ui/)


class EmptyDrawing(ValueError):
    """Nothing drawn: the UI shows a hint rather than an error."""


def checked_image(image) -> Image.Image:
    """A decoded upload, refused when it is not an image or too large to be a drawing."""
    if not isinstance(image, Image.Image):
        raise ValueError("that file is not an image this app can read (try PNG or JPEG)")
    if image.width * image.height > MAX_UPLOAD_PIXELS:
        raise ValueError(f"the image is {image.width}x{image.height}; the limit is {MAX_UPLOAD_PIXELS:,} pixels")
    return image


def ink_mask(grey: np.ndarray) -> np.ndarray:
    return grey < INK_THRESHOLD


def stroke_width(mask: np.ndarray) -> float:
    """Mean stroke width in pixels: ink area over half the ink outline (a thin stroke of length L has outline 2L)."""
    area = mask.sum()
    if area == 0:
        return 0.0
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    outline = max(area - inner.sum(), 1)
    return float(2 * area / outline)


def prepare_drawing(image: Image.Image, size: int) -> Image.Image:
    """A drawing (black on white, any size) -> a centred ``size`` x ``size`` greyscale sketch with strokes
    about as wide as the training ones. Raises EmptyDrawing when there is no ink."""
    grey = as_pil(image).convert("L")
    mask = ink_mask(np.asarray(grey))
    if not mask.any():
        raise EmptyDrawing("the canvas is empty: draw something (black lines on white) to see it coloured in")
    rows, cols = np.nonzero(mask)
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    side = max(bottom - top, right - left) / FILL_FRACTION
    centre_y, centre_x = (top + bottom) / 2, (left + right) / 2
    box = tuple(round(v) for v in (centre_x - side / 2, centre_y - side / 2, centre_x + side / 2,
                                   centre_y + side / 2))
    square = crop_with_white(grey, box)
    return match_stroke_width(square, size)


def crop_with_white(image: Image.Image, box) -> Image.Image:
    left, top, right, bottom = box
    canvas = Image.new("L", (right - left, bottom - top), 255)
    canvas.paste(image, (-left, -top))
    return canvas


def match_stroke_width(square: Image.Image, size: int) -> Image.Image:
    """Resize to ``size``, thickening or thinning strokes towards the training width first."""
    target = TRAINING_STROKE * square.width  # the training width at this resolution
    width = stroke_width(ink_mask(np.asarray(square)))
    steps = 0
    while width and width < 0.7 * target and steps < 12:
        square = square.filter(ImageFilter.MinFilter(3))  # one pixel more ink on every side
        width, steps = stroke_width(ink_mask(np.asarray(square))), steps + 1
    while width > 1.6 * target and steps < 12:
        thinner = square.filter(ImageFilter.MaxFilter(3))
        if not ink_mask(np.asarray(thinner)).any():
            break
        square, width, steps = thinner, stroke_width(ink_mask(np.asarray(thinner))), steps + 1
    return square.resize((size, size), Image.Resampling.LANCZOS)


def looks_like_photo(image: Image.Image) -> bool:
    """Drawings are mostly white paper; photos are not."""
    grey = np.asarray(image.convert("L").resize((64, 64)))
    return (grey > 200).mean() < 0.5


def photo_to_edges(image: Image.Image) -> Image.Image:
    """Black edges on white from a photo: smoothed, Sobel-like edges, a threshold at the strongest 12 %."""
    grey = ImageOps.autocontrast(image.convert("L").filter(ImageFilter.GaussianBlur(1.2)))
    edges = np.asarray(grey.filter(ImageFilter.FIND_EDGES), dtype=np.float32)
    threshold = max(np.percentile(edges, 88), 12)
    return Image.fromarray(np.where(edges > threshold, 0, 255).astype(np.uint8), mode="L")
