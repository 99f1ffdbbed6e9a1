"""Super-resolution inference: any image in, the image ``scale`` times larger out, computed in overlapping tiles.

Tiles keep the network's memory bounded whatever the input size (the blended result itself grows with it): the
network sees at most ``tile`` x ``tile`` input pixels at a time, sharing at least ``overlap`` pixels with each
neighbour; the fewest tiles that do so, all of one size, evenly spaced, so no work is spent on wider overlaps. Outputs
nearest a tile's cut edge (which saw zero padding instead of the image) are dropped, and neighbouring outputs
cross-fade linearly in the middle of the shared band, so no seam shows. The weights are separable, so the blend is
done a row of tiles at a time: only one row's band of floats is held beside the uint8 result.

``interpolated`` blends two models of one architecture weight by weight (ESRGAN's network interpolation), so a
user can choose between a faithful, smooth PSNR model and a GAN model's invented texture.
"""
from __future__ import annotations

import copy
import math
import numbers
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .images import as_pil, from_pil

MAX_INPUT_PIXELS = 2_500_000  # e.g. 2000 x 1250 in, 8000 x 5000 out at 4x
DEFAULT_TILE = 256  # most input pixels per tile side: the app's largest input (256 px) in one pass, about 0.6 GB
DEFAULT_OVERLAP = 32  # input pixels shared by neighbouring tiles: 8 of context each side, 16 of cross-fade


class SuperResolver:
    """An SRResNet-style generator, loaded once: ``upscale(image)`` is ``scale`` times larger on each side."""

    def __init__(self, name: str, payload: dict, module: torch.nn.Module, folder: Path | None):
        self.name, self.payload, self.module, self.folder = name, payload, module, folder
        self.kind: str = payload["kind"]
        self.config = module.config
        self.scale: int = self.config.scale
        self.image_size: int = self.config.image_size

    def __repr__(self) -> str:
        return f"SuperResolver({self.name!r}, {self.scale}x)"

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def upscale(self, image, tile: int = DEFAULT_TILE, overlap: int = DEFAULT_OVERLAP) -> Image.Image:
        """``image`` (PIL or array, any mode; transparency goes on white) -> RGB (greyscale for a one-channel
        model), ``scale`` times its width and height. Inputs over MAX_INPUT_PIXELS are refused with a ValueError."""
        if tile < 1 or overlap < 0 or 2 * overlap >= tile:
            raise ValueError(f"tile {tile} and overlap {overlap}: need tile >= 1 and 0 <= 2 * overlap < tile")
        picture = as_pil(image)
        if picture.width * picture.height > MAX_INPUT_PIXELS:
            raise ValueError(f"image of {picture.width}x{picture.height} is too large to upscale (limit "
                             f"{MAX_INPUT_PIXELS:,} pixels, {self.scale}x larger out): downscale or crop it first")
        pixels = self.upscale_tiled(from_pil(picture, self.config.channels), tile, overlap)
        return Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)

    def upscale_tensor(self, images: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) in [-1, 1] -> (N, C, scale*h, scale*w) in [-1, 1], in one pass (no tiling)."""
        with torch.inference_mode():
            return self.module.infer(images.float().to(self.device)).clamp(-1, 1)

    def upscale_tiled(self, pixels: torch.Tensor, tile: int, overlap: int) -> np.ndarray:
        """(1, C, h, w) in [-1, 1] -> uint8 (scale*h, scale*w, C), tile by tile."""
        _, channels, height, width = pixels.shape
        s = self.scale
        result = np.empty((height * s, width * s, channels), np.uint8)
        rows, columns = tile_spans(height, tile, overlap), tile_spans(width, tile, overlap)
        band = band_weights = None  # the blended rows not yet final: floats (C, rows, W*s) and their weights
        band_top = 0
        for row_index, (top, bottom) in enumerate(rows):
            strip = torch.zeros(channels, (bottom - top) * s, width * s)
            for left, right in columns:
                output = self.upscale_tensor(pixels[:, :, top:bottom, left:right])[0].float().cpu()
                ramp = blend_ramp(left, right, width, overlap, s)
                strip[:, :, left * s:right * s] += output * ramp
            strip /= column_weight_sum(columns, width, overlap, s)
            weights = blend_ramp(top, bottom, height, overlap, s)[:, None]
            if band is None:
                band, band_weights, band_top = strip * weights, weights.clone(), top * s
            else:  # the new strip starts inside the band: grow the band to its bottom, add it in
                start = top * s - band_top
                grow = bottom * s - band_top - band.shape[1]
                band = torch.cat([band, torch.zeros(channels, grow, width * s)], 1)
                band_weights = torch.cat([band_weights, torch.zeros(grow, 1)])
                band[:, start:] += strip * weights
                band_weights[start:] += weights
            final = (rows[row_index + 1][0] * s if row_index + 1 < len(rows) else height * s) - band_top
            done = (band[:, :final] / band_weights[:final]).clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)
            result[band_top:band_top + final] = done.permute(1, 2, 0).numpy()
            band, band_weights, band_top = band[:, final:], band_weights[final:], band_top + final
        return result

    def warm_up(self) -> None:
        """One small upscale, so the first request does not pay for lazy initialisation."""
        self.upscale(Image.new("RGB", (16, 16), "gray"))

    def to(self, device) -> "SuperResolver":
        self.module.to(device)
        return self


def same_layout(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    """Whether two state dicts hold the same tensors by name and shape (one architecture)."""
    return a.keys() == b.keys() and all(value.shape == b[key].shape for key, value in a.items())


def blended_weights(psnr: dict[str, torch.Tensor], gan: dict[str, torch.Tensor],
                    alpha: float) -> dict[str, torch.Tensor]:
    """ESRGAN's network interpolation (Wang et al. 2018) of two state dicts: (1 - alpha) psnr + alpha gan, computed
    in float32 and kept in the GAN model's dtypes and devices (buffers that are not floats, the GAN model's). Only
    one architecture blends (sensibly, a GAN model fine-tuned from the PSNR model): a ValueError otherwise."""
    if not same_layout(psnr, gan):
        raise ValueError("they have different architectures (a GAN model fine-tuned from the PSNR model has the "
                         "same one)")
    return {key: torch.lerp(value.to(gan[key].device, torch.float32), gan[key].float(), alpha).to(gan[key].dtype)
            if value.is_floating_point() else gan[key] for key, value in psnr.items()}


def interpolated(psnr: SuperResolver, gan: SuperResolver, alpha: float) -> SuperResolver:
    """A model between two of one architecture: alpha 0 is ``psnr`` (faithful and smooth), 1 is ``gan`` (invented
    texture); between them a balance of fidelity and sharpness, chosen by eye (see ``blended_weights``). Its payload
    is the GAN model's, less its measured figures and notes (they are not the blend's), with the blend recorded."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not (math.isfinite(alpha) and 0 <= alpha <= 1):
        raise ValueError(f"the blend must be a number from 0 (the PSNR model) to 1 (the GAN model), got {alpha!r}")
    try:
        weights = blended_weights(psnr.module.state_dict(), gan.module.state_dict(), float(alpha))
    except ValueError as error:
        raise ValueError(f"{psnr.name} and {gan.name} cannot be blended: {error}") from None
    module = copy.deepcopy(gan.module)
    module.load_state_dict(weights)
    training = dict(gan.payload.get("training", {}))
    training["options"] = {**training.get("options", {}),
                           "interpolation": {"alpha": float(alpha), "psnr": psnr.name, "gan": gan.name}}
    payload = {**{key: value for key, value in gan.payload.items() if key not in ("metrics", "limitations")},
               "training": training}
    return SuperResolver(f"{1 - alpha:g} x {psnr.name} + {alpha:g} x {gan.name}", payload, module, None)


def tile_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) of the fewest tiles of at most ``tile`` pixels that cover ``length``, neighbours sharing at
    least ``overlap`` pixels: all of one size, the smallest that does, evenly spaced."""
    count = 1 if length <= tile else -(-(length - overlap) // (tile - overlap))
    size = -(-(length + (count - 1) * overlap) // count)
    starts = [index * (length - size) // max(count - 1, 1) for index in range(count)]
    return [(start, start + size) for start in starts]


def blend_ramp(start: int, end: int, length: int, overlap: int, scale: int) -> torch.Tensor:
    """Output-pixel weights of one tile along one axis, (end - start) * scale of them. Where a neighbour shares
    ``overlap`` input pixels, the quarter of that band nearest the tile's cut edge only gives context (weight 0:
    those outputs saw zero padding), the middle half fades linearly into the neighbour's, whose weights mirror
    these, so the two sum to 1. The image's own edges have no neighbour and keep weight 1."""
    size = (end - start) * scale
    weights = torch.ones(size)
    context = overlap // 4 * scale
    fade = (overlap - 2 * (overlap // 4)) * scale
    profile = torch.cat([torch.zeros(context), (torch.arange(fade) + 0.5) / fade])
    if start > 0:
        weights[:len(profile)] = profile
    if end < length:
        weights[size - len(profile):] = profile.flip(0)
    return weights


def column_weight_sum(columns: list[tuple[int, int]], width: int, overlap: int, scale: int) -> torch.Tensor:
    """The sum of the column tiles' ramps at every output column (what the blended strip is divided by)."""
    total = torch.zeros(width * scale)
    for left, right in columns:
        total[left * scale:right * scale] += blend_ramp(left, right, width, overlap, scale)
    return total
