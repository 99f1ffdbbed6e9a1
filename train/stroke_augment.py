"""Make clean line art look drawn by a person, per batch on tensors (cheap on a CPU).

OpenMoji's line art is drawn with one pen width and exact geometry; what people draw in the app has a mouse's
wobble, any pen from a fine liner to a fat marker, small gaps where a stroke did not quite close, and overshoots
where it went past a corner. A colouriser trained on clean line art alone reads such a drawing as different
shapes, so training sketches get the same faults at random: wobble (of the target too, so the colours stay aligned with
the lines), overshoots and gaps in the line art's own pen, then a pen width (which widens the overshoots with the
lines, and lets a fat marker close most gaps, as it does).

Sketches are (N, 1, S, S) in [-1, 1], ink dark (-1) on white paper (1); sizes below are for S = 128 and scale
with S.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

REFERENCE_SIZE = 128
WOBBLE_PX = 1.5  # largest displacement of the mouse wobble
WOBBLE_GRID = 12  # control points across the image: a wobble of about S / 12 wavelength
# pen: the change of stroke width, as the kernel of a max (thinner) or min (thicker) filter; 0 keeps it;
# 3 is about the evaluation's marker (a 5 px minimum filter at 256 px), 5 a fatter one
PEN_KERNELS = (-3, 0, 0, 3, 3, 5)
MAX_GAPS, GAP_PX = 4, 5  # up to 4 erased squares of 5 px on the ink
MAX_OVERSHOOTS, OVERSHOOT_PX = 4, 7  # up to 4 straight tails of up to 7 px from an ink pixel
TAIL_PX = 3  # the tails' pen: about OpenMoji's stroke (2/72 of the side)


def augment_strokes(sketches: torch.Tensor, targets: torch.Tensor,
                    generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Each sketch of the batch with its own random wobble, pen width, gaps and overshoots, and its target with
    the same wobble (a wobbly drawing's colours follow its lines; the other faults leave the colours as they are).
    Computed on the CPU (a batch is small), so one CPU ``generator`` seeds it wherever the batch lives."""
    device, channels = sketches.device, sketches.shape[1]
    pairs = wobble(torch.cat([sketches, targets], 1).float().cpu(), WOBBLE_PX * sketches.shape[-1] / REFERENCE_SIZE,
                   generator)
    sketches, targets = pairs[:, :channels], pairs[:, channels:]
    scale = sketches.shape[-1] / REFERENCE_SIZE
    sketches = add_overshoots(sketches, OVERSHOOT_PX * scale, odd(TAIL_PX * scale), generator)
    sketches = erase_gaps(sketches, odd(GAP_PX * scale), generator)
    return change_pen(sketches, generator).to(device), targets.to(device)


def odd(pixels: float) -> int:
    """The nearest odd kernel size of at least 1: odd kernels keep a filtered mark centred."""
    return max(1, round(pixels)) | 1


def wobble(images: torch.Tensor, pixels: float, generator=None) -> torch.Tensor:
    """A smooth random displacement of up to ``pixels`` (a random amplitude per image)."""
    n, _, size, _ = images.shape
    amplitude = torch.rand(n, 1, 1, 1, generator=generator) * pixels * 2 / size  # in grid_sample's [-1, 1] units
    field = torch.randn(n, 2, WOBBLE_GRID, WOBBLE_GRID, generator=generator).clamp(-2, 2) / 2 * amplitude
    field = F.interpolate(field, size=(size, size), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    identity = F.affine_grid(torch.eye(2, 3).expand(n, 2, 3), list(images.shape), align_corners=False)
    return F.grid_sample(images, identity + field, mode="bilinear", padding_mode="border",
                         align_corners=False)


def ink_filter(sketches: torch.Tensor, kernel: int) -> torch.Tensor:
    """A min filter (more ink) for ``kernel`` > 0, a max filter (less ink) for ``kernel`` < 0."""
    size = abs(kernel)
    if kernel > 0:
        return -F.max_pool2d(-sketches, size, stride=1, padding=size // 2)
    return F.max_pool2d(sketches, size, stride=1, padding=size // 2)


def change_pen(sketches: torch.Tensor, generator=None) -> torch.Tensor:
    """Each sketch drawn with a pen picked from PEN_KERNELS (thinner, as is, or up to a fat marker)."""
    picks = torch.randint(0, len(PEN_KERNELS), (len(sketches),), generator=generator)
    out = sketches.clone()
    for index, kernel in enumerate(PEN_KERNELS):
        chosen = picks == index
        if kernel and chosen.any():
            out[chosen] = ink_filter(sketches[chosen], kernel)
    return out


def random_ink_points(sketches: torch.Tensor, count: int, generator=None) -> torch.Tensor:
    """(N, count, 2) (row, column) of ink pixels drawn at random (anywhere on a blank sketch)."""
    size = sketches.shape[-1]
    ink = (sketches[:, 0] < 0).flatten(1).float() + 1e-6
    flat = torch.multinomial(ink, count, replacement=True, generator=generator)
    return torch.stack([flat // size, flat % size], dim=-1)


def erase_gaps(sketches: torch.Tensor, side: int, generator=None) -> torch.Tensor:
    """Up to MAX_GAPS white squares of ``side`` px centred on ink: strokes that do not quite meet."""
    n, _, size, _ = sketches.shape
    points = random_ink_points(sketches, MAX_GAPS, generator)
    kept = torch.rand(n, MAX_GAPS, generator=generator) < torch.rand(n, 1, generator=generator)
    centres = torch.zeros(n, size * size).scatter_add_(1, points[..., 0] * size + points[..., 1], kept.float())
    holes = F.max_pool2d(centres.view(n, 1, size, size), side, stride=1, padding=side // 2)
    return torch.where(holes > 0, torch.ones_like(sketches), sketches)


def add_overshoots(sketches: torch.Tensor, length: float, pen: int, generator=None) -> torch.Tensor:
    """Up to MAX_OVERSHOOTS straight tails of up to ``length`` px from ink pixels, ``pen`` px wide."""
    n, _, size, _ = sketches.shape
    starts = random_ink_points(sketches, MAX_OVERSHOOTS, generator).float()
    kept = torch.rand(n, MAX_OVERSHOOTS, generator=generator) < torch.rand(n, 1, generator=generator)
    angles = torch.rand(n, MAX_OVERSHOOTS, generator=generator) * 2 * math.pi
    lengths = torch.rand(n, MAX_OVERSHOOTS, generator=generator) * length
    steps = torch.linspace(0, 1, max(2, math.ceil(length) * 2))
    rows = starts[..., 0:1] + torch.sin(angles)[..., None] * lengths[..., None] * steps
    cols = starts[..., 1:2] + torch.cos(angles)[..., None] * lengths[..., None] * steps
    inside = (rows >= 0) & (rows <= size - 1) & (cols >= 0) & (cols <= size - 1) & kept[..., None]
    flat = (rows.round().clamp(0, size - 1) * size + cols.round().clamp(0, size - 1)).long()
    lines = torch.zeros(n, size * size).scatter_add_(1, flat.flatten(1), inside.flatten(1).float())
    tails = F.max_pool2d(lines.view(n, 1, size, size), pen, stride=1, padding=pen // 2)
    return torch.minimum(sketches, 1 - 2 * tails.clamp(max=1))

