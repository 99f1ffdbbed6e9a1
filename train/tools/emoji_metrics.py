"""Figures that judge OpenMoji models the way a person looks at them, not by the mean (PSNR alone rewards
painting every ambiguous shape the average emoji colour):

- generators: how far samples lie from their nearest training emoji, relative to held-out real emoji (scribbles
  lie far from everything), and how varied they are relative to real emoji (a collapsed generator repeats itself);
- colourisers: a palette score (do output and truth use the same OpenMoji fill colours, in the same amounts?),
  the PSNR gain over copying the input on fat "marker" strokes as well as on the clean line art, and the drawings
  a person makes first (a heart, a star, a sun, a smiley, a tree, each with a thin pen, a wobbly mouse line and a
  fat marker) prepared as the app prepares them: do they come out in the colour a person expects?
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFilter

from gan_demo.images import to_pil_images
from gan_demo.sketch import prepare_drawing

from ..data.openmoji import load_openmoji, openmoji_codes, read_svg
from ..data.pairs import STROKE_SCALES, load_openmoji_pairs
from ..tasks import to_unit_range

COMPARE_SIZE = 32  # nearest-real distances are taken between 32x32 RGB images
SAMPLES = 200
FILL = re.compile(r'fill="(#[0-9A-Fa-f]{6})"')
PALETTE_MIN_USES = 20
MARKER_FILTER = 5  # px of a minimum filter at 256 px: a fat marker's stroke
DRAWING_SIZE = 256  # the canvas the drawings are made on
PENS = {"thin": 3, "wobbly": 5, "marker": 16}  # pen widths (px on the 256 px canvas); "wobbly" also shakes
WOBBLE = 4.0  # px: the largest drift of the wobbly mouse line
# what a person calls each OpenMoji fill colour (the fill palette without white and black), to name the colour
# of a result: a muddy olive is nearer brown than yellow, as a person sees it
NAMED_COLOURS = {"red": ("#D22F27", "#EA5A47"), "orange": ("#E27022", "#F4AA41"), "yellow": ("#FCEA2B", "#F1B31C"),
                 "green": ("#5C9E31", "#B1CC33"), "blue": ("#1E50A0", "#61B2E4", "#92D3F5"),
                 "purple or pink": ("#8967AA", "#B399C8", "#E67A94", "#FFA7C0"),
                 "brown": ("#6A462F", "#A57939", "#C19A65", "#DEBB90", "#FADCBC"),
                 "grey": ("#3F3F3F", "#9B9B9A", "#D0CFCE")}
PAPER_AND_INK = ("#FFFFFF", "#000000")


def small(images: torch.Tensor) -> torch.Tensor:
    """(N, 3, S, S) in [0, 1] -> (N, 3*32*32), area-averaged."""
    return F.interpolate(images.float(), size=(COMPARE_SIZE, COMPARE_SIZE), mode="area").flatten(1)


def nearest_distance(queries: torch.Tensor, references: torch.Tensor) -> torch.Tensor:
    """(N,) Euclidean distance of each query to its nearest reference."""
    return torch.cdist(queries, references).min(dim=1).values


def mean_pairwise(points: torch.Tensor) -> float:
    distances = torch.cdist(points, points)
    n = len(points)
    return float(distances.sum() / (n * (n - 1)))


def blurred(images: torch.Tensor, radius: float) -> torch.Tensor:
    """PIL's Gaussian blur of ``radius`` px on each (3, S, S) image in [0, 1]."""
    out = [np.asarray(Image.fromarray((img.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))
                      .filter(ImageFilter.GaussianBlur(radius))) for img in images]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).float() / 255


@torch.no_grad()
def generator_metrics(model, seed: int = 0) -> dict:
    """Nearest-real ratio and diversity of ``SAMPLES`` samples against the OpenMoji training split."""
    size = model.image_size
    train = small(load_openmoji(size, "train").images.float() / 255)
    test = load_openmoji(size, "test").images[:SAMPLES].float() / 255
    fake = model.generate_tensor(model.sample_z(SAMPLES, seed)).add(1).div(2).clamp(0, 1)
    real_gap = nearest_distance(small(test), train).mean()

    def ratio(images: torch.Tensor) -> float:
        return float(nearest_distance(small(images), train).mean() / real_gap)

    order = torch.randperm(len(train), generator=torch.Generator().manual_seed(seed))[:SAMPLES]
    diversity = mean_pairwise(small(fake)) / mean_pairwise(train[order])
    note = (f"{SAMPLES} samples (seed {seed}) vs the {len(train)} training emoji, 32x32 RGB distance to the nearest "
            f"one, over the same for {len(test)} held-out real emoji (1.0: as close as real emoji are); the same "
            f"ratio for held-out emoji blurred at {size} px: radius 1 px {ratio(blurred(test, 1)):.2f}, radius 3 px "
            f"{ratio(blurred(test, 3)):.2f}")
    return {"nearest-real ratio": {"value": round(ratio(fake), 3), "note": note},
            "diversity": {"value": round(diversity, 3),
                          "note": f"mean pairwise distance of the samples over that of {SAMPLES} real training "
                                  "emoji (1.0: as varied as real emoji)"}}


def fill_palette() -> np.ndarray:
    """(K, 3) the fill colours the OpenMoji training split uses at least PALETTE_MIN_USES times."""
    uses = Counter(colour.upper() for code in openmoji_codes("train") for colour in FILL.findall(read_svg(code)))
    colours = sorted(c for c, n in uses.items() if n >= PALETTE_MIN_USES)
    return np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colours], dtype=np.float32)


def palette_score(outputs: torch.Tensor, targets: torch.Tensor, palette: np.ndarray) -> float:
    """Mean over images of the histogram intersection of output and truth snapped to the palette, on the pixels
    that are not white in both (1: the same colours in the same amounts)."""
    colours = torch.from_numpy(palette) / 255
    white = int(torch.cdist(torch.ones(1, 3), colours).argmin())
    scores = []
    for output, target in zip(outputs, targets):
        snapped = [torch.cdist(image.permute(1, 2, 0).reshape(-1, 3).float(), colours).argmin(dim=1)
                   for image in (output, target)]
        kept = (snapped[0] != white) | (snapped[1] != white)
        if not kept.any():
            continue
        histograms = [torch.bincount(s[kept], minlength=len(colours)).float() / kept.sum() for s in snapped]
        scores.append(float(torch.minimum(*histograms).sum()))
    return float(np.mean(scores))


def main_colour_agreement(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    """The share of images (on [0, 1]) whose main colour by name (``dominant_colour``) is the truth's (an image
    of paper and ink alone has none, and matches nothing)."""
    named = [[dominant_colour(image) for image in to_pil_images(batch * 2 - 1)] for batch in (outputs, targets)]
    return sum(a is not None and a == b for a, b in zip(*named)) / len(targets)


def psnr(outputs: torch.Tensor, targets: torch.Tensor) -> float:
    mse = (outputs.double() - targets.double()).square().flatten(1).mean(1).clamp(min=1e-10)
    return float((-10 * mse.log10()).mean())


def marker_strokes(size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Held-out line art at 256 px through a MARKER_FILTER px minimum filter, then at ``size``, and the truth."""
    pairs = load_openmoji_pairs(256, split="test")
    lines = pairs.sketches[:, STROKE_SCALES.index(1.0), 0].numpy()
    fat = np.stack([np.asarray(Image.fromarray(line).filter(ImageFilter.MinFilter(MARKER_FILTER))) for line in lines])
    fat = F.interpolate(torch.from_numpy(fat)[:, None].float(), size=(size, size), mode="area")
    targets = F.interpolate(pairs.targets.float(), size=(size, size), mode="area")
    return fat / 255, targets / 255


@torch.no_grad()
def colouriser_metrics(model, translations) -> dict:
    """Palette scores (model, copying the input) on the clean held-out line art, and both figures on markers."""
    palette = fill_palette()
    inputs, outputs, targets = translations
    fat, fat_targets = marker_strokes(model.image_size)
    fat_outputs = torch.cat([model.translate_tensor(to_unit_range(chunk * 255)) for chunk in fat.split(64)])
    fat_outputs = fat_outputs.add(1).div(2).clamp(0, 1)
    fat_inputs = fat.expand(-1, 3, -1, -1)
    note = (f"output and truth snapped to the {len(palette)} fill colours the training split uses at least "
            f"{PALETTE_MIN_USES} times; histogram intersection on pixels not white in both, mean over "
            f"{len(targets)} held-out emoji")
    return {
        "palette score": {"value": round(palette_score(outputs, targets, palette), 3), "note": note},
        "palette score of copying the input": {"value": round(palette_score(inputs, targets, palette), 3),
                                               "note": "the baseline"},
        "main colour right": {
            "value": round(main_colour_agreement(outputs, targets), 3),
            "note": f"share of the {len(targets)} held-out emoji whose main colour by name "
                    f"({', '.join(NAMED_COLOURS)}: the most pixels' nearest, paper and ink aside) is the truth's"},
        "marker PSNR gain over the baseline (dB)": {
            "value": round(psnr(fat_outputs, fat_targets) - psnr(fat_inputs, fat_targets), 2),
            "note": f"the held-out line art drawn with a fat marker (a {MARKER_FILTER} px minimum filter at 256 px)"},
        "marker palette score": {"value": round(palette_score(fat_outputs, fat_targets, palette), 3),
                                 "note": "the palette score on the marker drawings"},
        **drawings_metric(model),
    }


# ---- the drawings a person makes first ----------------------------------------------------------------------------
def closed(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return points + points[:1]


def circle(cx: float, cy: float, r: float, steps: int = 48) -> list[tuple[float, float]]:
    return closed([(cx + r * math.cos(2 * math.pi * i / steps), cy + r * math.sin(2 * math.pi * i / steps))
                   for i in range(steps)])


def heart() -> list[list[tuple[float, float]]]:
    """The classic parametric heart, in unit coordinates (y down)."""
    points = []
    for i in range(64):
        t = 2 * math.pi * i / 64
        x = 16 * math.sin(t) ** 3
        y = 13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)
        points.append((0.5 + x / 40, 0.45 - y / 40))
    return [closed(points)]


def star() -> list[list[tuple[float, float]]]:
    points = [(0.5 + (0.4 if i % 2 == 0 else 0.16) * math.sin(math.pi * i / 5),
               0.53 - (0.4 if i % 2 == 0 else 0.16) * math.cos(math.pi * i / 5)) for i in range(10)]
    return [closed(points)]


def sun() -> list[list[tuple[float, float]]]:
    rays = [[(0.5 + r0 * math.cos(a), 0.5 + r0 * math.sin(a)), (0.5 + r1 * math.cos(a), 0.5 + r1 * math.sin(a))]
            for a in (2 * math.pi * i / 8 for i in range(8)) for r0, r1 in [(0.27, 0.42)]]
    return [circle(0.5, 0.5, 0.2)] + rays


def smiley() -> list[list[tuple[float, float]]]:
    mouth = [(0.5 + 0.22 * math.cos(a), 0.52 + 0.2 * math.sin(a))
             for a in np.linspace(0.2 * math.pi, 0.8 * math.pi, 16)]
    return [circle(0.5, 0.5, 0.4), circle(0.36, 0.38, 0.04, 12), circle(0.64, 0.38, 0.04, 12), mouth]


def tree() -> list[list[tuple[float, float]]]:
    """A bumpy round crown over a trunk, as a person draws a (deciduous) tree."""
    crown = closed([(0.5 + (0.3 + 0.025 * math.cos(9 * a)) * math.cos(a), 0.38 + (0.28 + 0.025 * math.cos(9 * a))
                     * math.sin(a)) for a in np.linspace(0, 2 * math.pi, 72, endpoint=False)])
    trunk = [(0.44, 0.655), (0.44, 0.92), (0.56, 0.92), (0.56, 0.655)]
    return [crown, trunk]


DRAWINGS = {"heart": (heart, "red"), "star": (star, "yellow"), "sun": (sun, "yellow"),
            "smiley": (smiley, "yellow"), "tree": (tree, "green")}


def shaken(stroke: list[tuple[float, float]], rng: np.random.Generator) -> list[tuple[float, float]]:
    """A stroke as a mouse draws it: resampled every ~2 px and moved by a smooth random drift of up to WOBBLE px
    (sums of slow sines), plus a fifth of a pixel of jitter."""
    points = np.array(stroke) * DRAWING_SIZE
    lengths = np.r_[0, np.cumsum(np.linalg.norm(np.diff(points, axis=0), axis=1))]
    along = np.linspace(0, lengths[-1], max(2, int(lengths[-1] / 2)))
    dense = np.stack([np.interp(along, lengths, points[:, i]) for i in (0, 1)], axis=1)
    drift = sum(np.sin(along[:, None] / wavelength + rng.uniform(0, 2 * math.pi, 2))
                for wavelength in rng.uniform(6, 20, 3)) / 3 * WOBBLE
    return [tuple(p) for p in dense + drift + rng.normal(0, 0.2, dense.shape)]


def drawing(name: str, pen: str, seed: int = 0) -> Image.Image:
    """A DRAWINGS shape with a PENS pen, black on a white DRAWING_SIZE canvas, as a person draws it in the app."""
    rng = np.random.default_rng(seed)
    image = Image.new("L", (DRAWING_SIZE, DRAWING_SIZE), 255)
    canvas = ImageDraw.Draw(image)
    for stroke in DRAWINGS[name][0]():
        points = shaken(stroke, rng) if pen == "wobbly" else [(x * DRAWING_SIZE, y * DRAWING_SIZE) for x, y in stroke]
        canvas.line(points, fill=0, width=PENS[pen], joint="curve")
    return image


def dominant_colour(image: Image.Image) -> str | None:
    """The NAMED_COLOURS name that most pixels of ``image`` are nearest to, white paper and black ink aside (None
    when every pixel is paper or ink)."""
    names = [name for name, colours in NAMED_COLOURS.items() for _ in colours] + [None] * len(PAPER_AND_INK)
    hexes = [c for colours in NAMED_COLOURS.values() for c in colours] + list(PAPER_AND_INK)
    reference = torch.tensor([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in hexes], dtype=torch.float32)
    pixels = torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32).reshape(-1, 3))
    counts = Counter(names[i] for i in torch.cdist(pixels, reference).argmin(1).tolist())
    counts.pop(None, None)
    return max(counts, key=counts.get) if counts else None


def drawing_colours(model) -> dict[tuple[str, str], str | None]:
    """(shape, pen) -> the dominant colour of the model's colouring of that drawing, prepared as the app does."""
    return {(name, pen): dominant_colour(model.translate(prepare_drawing(drawing(name, pen), model.image_size)))
            for name in DRAWINGS for pen in PENS}


def drawings_metric(model) -> dict:
    """How many of the drawings come out in the colour a person expects, naming the ones that do not."""
    colours = drawing_colours(model)
    wrong = [f"{name} ({pen} pen) {colour or 'uncoloured'}" for (name, pen), colour in colours.items()
             if colour != DRAWINGS[name][1]]
    expected = ", ".join(f"{name} {hue}" for name, (_, hue) in DRAWINGS.items())
    return {"drawings in the expected colour": {
        "value": f"{len(colours) - len(wrong)}/{len(colours)}",
        "note": f"{', '.join(DRAWINGS)} drawn with a thin pen, a wobbly mouse line and a fat marker, prepared as the "
                f"app prepares a drawing; the OpenMoji colour most pixels are nearest to (paper and ink aside) against "
                f"{expected}"
                + (f"; wrong: {'; '.join(wrong)}" if wrong else "")}}
