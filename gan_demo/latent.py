"""Latent-space tools: spherical interpolation, strips and animated GIFs."""
from __future__ import annotations

import io

import torch
from PIL import Image

MAX_FRAMES = 64


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Spherical interpolation between rows of ``a`` and ``b`` (Gaussian z keeps its typical norm on the arc);
    falls back to linear interpolation when the two are (anti)parallel. t = 0 gives a, t = 1 gives b."""
    a64, b64 = a.double(), b.double()
    cos = (a64 * b64).sum(-1, keepdim=True) / (a64.norm(dim=-1, keepdim=True) * b64.norm(dim=-1, keepdim=True))
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    sin = torch.sin(omega)
    spherical = (torch.sin((1 - t) * omega) * a64 + torch.sin(t * omega) * b64) / sin.clamp(min=1e-12)
    linear = (1 - t) * a64 + t * b64
    return torch.where(sin.abs() < 1e-6, linear, spherical).to(a.dtype)


def interpolation_path(a: torch.Tensor, b: torch.Tensor, frames: int) -> torch.Tensor:
    """(frames, d) points from a to b inclusive; a and b are (d,) or (1, d)."""
    if isinstance(frames, bool) or not isinstance(frames, int) or not 2 <= frames <= MAX_FRAMES:
        raise ValueError(f"frames must be a whole number between 2 and {MAX_FRAMES}, got {frames!r}")
    a, b = a.reshape(1, -1), b.reshape(1, -1)
    return torch.cat([slerp(a, b, i / (frames - 1)) for i in range(frames)])


def strip(images: list[Image.Image], gap: int = 2) -> Image.Image:
    """Frames side by side on white."""
    width, height = images[0].size
    canvas = Image.new(images[0].mode, (len(images) * (width + gap) - gap, height), "white")
    for i, image in enumerate(images):
        canvas.paste(image, (i * (width + gap), 0))
    return canvas


def gif_bytes(images: list[Image.Image], seconds_per_frame: float = 0.12, scale: int = 4,
              bounce: bool = False) -> bytes:
    """An endlessly looping GIF, enlarged ``scale``× with nearest neighbour so pixels stay crisp."""
    frames = [im.convert("RGB").resize((im.width * scale, im.height * scale), Image.Resampling.NEAREST)
              for im in images]
    if bounce and len(frames) > 2:
        frames = frames + frames[-2:0:-1]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:], loop=0,
                   duration=int(seconds_per_frame * 1000), disposal=2)
    return buffer.getvalue()
