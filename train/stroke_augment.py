"""Make clean line art look drawn by a person, per batch on tensors (cheap on a CPU).

OpenMoji's line art is drawn with one pen width and exact geometry; what people draw in the app has a mouse's
wobble, any pen from a fine liner to a fat marker, small gaps where a stroke did not quite close, and overshoots
where it went past a corner. A colouriser trained on clean line art alone reads such a drawing as different
shapes, so training sketches get the same faults at random: wobble (of the target too, so the colours stay aligned with
the lines), overshoots and gaps in the line art's own pen, then a pen width (which widens the overshoots with the
lines, and lets a fat marker close most gaps, as it does).

Sketches are (N, 1, S, S) in [-1, 1], ink dark (-1) on white paper (1); sizes below are for S = 128 and scale
with S. The work is whole-batch tensor operations on the batch's own device; the random numbers are drawn on the
CPU (from ``generator``, or torch's default CPU generator) and moved there, so a seed gives the same faults on
any device.
"""
from __future__ import annotations

import functools
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
    Runs where the batch is; ``generator`` is a CPU generator wherever that is. On a CPU it runs on one thread:
    its operations are many and small, and on a busy machine threads that wait for a core at each of them made it
    ten to twenty times slower than one thread."""
    threads = torch.get_num_threads()
    if sketches.device.type == "cpu":
        torch.set_num_threads(1)
    try:
        scale = sketches.shape[-1] / REFERENCE_SIZE
        sketches, targets = wobble([sketches.float(), targets.float()], WOBBLE_PX * scale, generator)
        sketches = add_overshoots(sketches, OVERSHOOT_PX * scale, odd(TAIL_PX * scale), generator)
        sketches = erase_gaps(sketches, odd(GAP_PX * scale), generator)
        return change_pen(sketches, generator), targets
    finally:
        torch.set_num_threads(threads)


def odd(pixels: float) -> int:
    """The nearest odd kernel size of at least 1: odd kernels keep a filtered mark centred."""
    return max(1, round(pixels)) | 1


def uniform(*shape: int, generator, device: torch.device) -> torch.Tensor:
    """Numbers in [0, 1) from the CPU ``generator``, on ``device``."""
    return torch.rand(shape, generator=generator).to(device)


def some_of(n: int, count: int, generator, device: torch.device) -> torch.Tensor:
    """(n, count) True for each of ``count`` faults a sketch gets: each with the sketch's own random probability,
    so that some sketches get none, some all."""
    return uniform(n, count, generator=generator, device=device) < uniform(n, 1, generator=generator, device=device)


def wobble(batches: list[torch.Tensor], pixels: float, generator=None) -> list[torch.Tensor]:
    """The batches (of the same images) with one smooth random displacement of up to ``pixels`` per image (a
    random amplitude each)."""
    (n, _, size, _), device = batches[0].shape, batches[0].device
    amplitude = uniform(n, 1, 1, 1, generator=generator, device=device) * pixels * 2 / size  # grid_sample's units
    field = torch.randn(n, 2, WOBBLE_GRID, WOBBLE_GRID, generator=generator).clamp(-2, 2).to(device) / 2 * amplitude
    curve = bicubic_weights(size, device)
    identity = F.affine_grid(torch.eye(2, 3, device=device)[None], [1, 1, size, size], align_corners=False)
    grid = (identity.permute(0, 3, 1, 2) + curve @ field @ curve.T).permute(0, 2, 3, 1)
    return [F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)
            for images in batches]


@functools.lru_cache(maxsize=8)
def bicubic_weights(size: int, device: torch.device) -> torch.Tensor:
    """(size, WOBBLE_GRID): bicubic upsampling of the control points along one axis. ``F.interpolate``'s own
    weights, read off its response to each point alone; applied to both axes as two small matrix products,
    which on a CPU is some 20 times faster than ``F.interpolate`` itself."""
    points = torch.eye(WOBBLE_GRID)[:, None, :, None]
    responses = F.interpolate(points, size=(size, 1), mode="bicubic", align_corners=True)
    return responses.view(WOBBLE_GRID, size).T.contiguous().to(device)


def ink_filter(sketches: torch.Tensor, kernel: int) -> torch.Tensor:
    """A min filter (more ink) for ``kernel`` > 0, a max filter (less ink) for ``kernel`` < 0, over a square
    window clipped at the border. What ``max_pool2d`` at stride 1 computes, but as a row pass and a column pass
    of shifted extrema: on a CPU tens of times faster."""
    size, (height, width) = abs(kernel), sketches.shape[-2:]
    pick, fill = (torch.minimum, math.inf) if kernel > 0 else (torch.maximum, -math.inf)
    padded = F.pad(sketches, (size // 2,) * 4, value=fill)
    rows = functools.reduce(pick, (padded[..., i:i + height, :] for i in range(size)))
    return functools.reduce(pick, (rows[..., i:i + width] for i in range(size)))


def change_pen(sketches: torch.Tensor, generator=None) -> torch.Tensor:
    """Each sketch drawn with a pen picked from PEN_KERNELS (thinner, as is, or up to a fat marker): one filter
    per pen for all the sketches that drew it."""
    picks = torch.randint(0, len(PEN_KERNELS), (len(sketches),), generator=generator)
    kernels = torch.tensor(PEN_KERNELS)[picks]
    out = sketches.clone()
    for kernel in sorted(set(PEN_KERNELS) - {0}):
        chosen = (kernels == kernel).nonzero().flatten().to(sketches.device)
        out[chosen] = ink_filter(sketches[chosen], kernel)
    return out


def random_ink_points(sketches: torch.Tensor, count: int, generator=None) -> torch.Tensor:
    """(N, count, 2) (row, column) of ink pixels drawn at random, each equally likely (any pixel of a blank
    sketch): for a uniform k < the ink's pixel count, the pixel where the running count of ink passes k."""
    (n, _, size, _), device = sketches.shape, sketches.device
    running = (sketches[:, 0] < 0).flatten(1).cumsum(1)
    total, ranks = running[:, -1:], uniform(n, count, generator=generator, device=device)
    on_ink = torch.searchsorted(running, (ranks * total).long().minimum(total - 1), right=True)
    flat = torch.where(total > 0, on_ink, (ranks * size * size).long())
    return torch.stack([flat // size, flat % size], dim=-1)


def squares(centres: torch.Tensor, kept: torch.Tensor, side: int, size: int) -> torch.Tensor:
    """(N, 1, size, size) True on the ``side`` px squares (clipped at the border) around the kept ones of
    (N, K, 2) (row, column) ``centres``: rows near a centre times columns near it, summed over the centres."""
    near = (torch.arange(size, device=centres.device) - centres[..., None]).abs() <= side // 2  # (N, K, 2, size)
    rows, columns = (near[:, :, 0] & kept[..., None]).float(), near[:, :, 1].float()
    return (rows.transpose(1, 2) @ columns > 0)[:, None]


def erase_gaps(sketches: torch.Tensor, side: int, generator=None) -> torch.Tensor:
    """Up to MAX_GAPS white squares of ``side`` px centred on ink: strokes that do not quite meet."""
    (n, _, size, _), device = sketches.shape, sketches.device
    points = random_ink_points(sketches, MAX_GAPS, generator)
    kept = some_of(n, MAX_GAPS, generator, device)
    return sketches.masked_fill(squares(points, kept, side, size), 1.0)


def add_overshoots(sketches: torch.Tensor, length: float, pen: int, generator=None) -> torch.Tensor:
    """Up to MAX_OVERSHOOTS straight tails of up to ``length`` px from ink pixels, ``pen`` px wide."""
    (n, _, size, _), device = sketches.shape, sketches.device
    starts = random_ink_points(sketches, MAX_OVERSHOOTS, generator).float()
    kept = some_of(n, MAX_OVERSHOOTS, generator, device)
    angles = uniform(n, MAX_OVERSHOOTS, generator=generator, device=device) * 2 * math.pi
    lengths = uniform(n, MAX_OVERSHOOTS, generator=generator, device=device) * length
    steps = torch.linspace(0, 1, max(2, math.ceil(length) * 2), device=device)
    rows = starts[..., 0:1] + torch.sin(angles)[..., None] * lengths[..., None] * steps
    cols = starts[..., 1:2] + torch.cos(angles)[..., None] * lengths[..., None] * steps
    inside = (rows >= 0) & (rows <= size - 1) & (cols >= 0) & (cols <= size - 1) & kept[..., None]
    points = torch.stack([rows.round(), cols.round()], dim=-1).flatten(1, 2)
    return sketches.masked_fill(squares(points, inside.flatten(1), pen, size), -1.0)
