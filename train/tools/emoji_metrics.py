"""Figures that judge OpenMoji models the way a person looks at them, not by the mean (PSNR alone rewards
painting every ambiguous shape the average emoji colour):

- generators: how far samples lie from their nearest training emoji, relative to held-out real emoji (scribbles
  lie far from everything), and how varied they are relative to real emoji (a collapsed generator repeats itself);
- colourisers: a palette score (do output and truth use the same OpenMoji fill colours, in the same amounts?) and
  the PSNR gain over copying the input on fat "marker" strokes as well as on the clean line art.
"""
from __future__ import annotations

import re
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter

from ..data.openmoji import load_openmoji, openmoji_codes, read_svg
from ..data.pairs import STROKE_SCALES, load_openmoji_pairs
from ..tasks import to_unit_range

COMPARE_SIZE = 32  # nearest-real distances are taken between 32x32 RGB images
SAMPLES = 200
FILL = re.compile(r'fill="(#[0-9A-Fa-f]{6})"')
PALETTE_MIN_USES = 20
MARKER_FILTER = 5  # px of a minimum filter at 256 px: a fat marker's stroke


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
        "marker PSNR gain over the baseline (dB)": {
            "value": round(psnr(fat_outputs, fat_targets) - psnr(fat_inputs, fat_targets), 2),
            "note": f"the held-out line art drawn with a fat marker (a {MARKER_FILTER} px minimum filter at 256 px)"},
        "marker palette score": {"value": round(palette_score(fat_outputs, fat_targets, palette), 3),
                                 "note": "the palette score on the marker drawings"},
    }
