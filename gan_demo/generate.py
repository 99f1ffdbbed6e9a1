"""Inference for generators of images from z (DCGAN, conditional GAN): seeds -> latents -> images, with
validation a user can read. A config with ``class_names`` makes the generator conditional."""
from __future__ import annotations

import math
import secrets
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

from .checkpoints import load_discriminator
from .directions import load_directions
from .images import as_pil, from_pil, to_pil_images

MAX_BATCH = 256
MAX_SEED = 2**63 - 1


def random_seed() -> int:
    return secrets.randbelow(2**31)


def check_seed(seed) -> int:
    """An integer in [0, 2**63 - 1]; floats are accepted when whole (sliders and JSON send 7.0)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, float)):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if isinstance(seed, float) and (not math.isfinite(seed) or not seed.is_integer()):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be between 0 and {MAX_SEED}, got {int(seed)}")
    return int(seed)


def check_truncation(truncation) -> float:
    if isinstance(truncation, bool) or not isinstance(truncation, (int, float)) or not math.isfinite(truncation):
        raise ValueError(f"truncation must be a number between 0 and 1, got {truncation!r}")
    if not 0.0 <= truncation <= 1.0:
        raise ValueError(f"truncation must be between 0 and 1, got {truncation}")
    return float(truncation)


def latents_for_seed(seed: int, n: int, latent_dim: int) -> torch.Tensor:
    """z ~ N(0, I) from a CPU generator: the same seed gives the same z on every machine."""
    return torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(check_seed(seed)))


class ImageGenerator:
    """A generator of images from z (and a label, when the config names classes), loaded once, in eval mode."""

    def __init__(self, name: str, payload: dict, module: torch.nn.Module, folder: Path | None):
        self.name, self.payload, self.module, self.folder = name, payload, module, folder
        self.kind = payload["kind"]
        self.config = module.config
        self.latent_dim: int = self.config.latent_dim
        self.image_size: int = self.config.image_size
        self.channels: int = self.config.channels
        class_names = getattr(self.config, "class_names", None)
        self.classes: list[str] | None = list(class_names) if class_names else None
        self.directions = load_directions(folder)
        self._discriminator = None

    def __repr__(self) -> str:
        return f"ImageGenerator({self.name!r}, kind={self.kind}, {self.image_size}px)"

    def sample_z(self, n: int = 1, seed: int | None = None, truncation: float = 1.0) -> torch.Tensor:
        """(n, latent_dim); truncation t scales z towards the mean (t = 1 leaves it, t = 0 gives the mean)."""
        z = latents_for_seed(random_seed() if seed is None else seed, n, self.latent_dim)
        return z * check_truncation(truncation)

    def label_indices(self, labels, n: int) -> torch.Tensor | None:
        """Class indices from ints or class names; one label for all n, or one per image."""
        if self.classes is None:
            if labels is not None:
                raise ValueError(f"{self.name} is not conditional: it takes no labels")
            return None
        if labels is None:
            raise ValueError(f"{self.name} needs a label: one of {', '.join(self.classes)}")
        items = labels if isinstance(labels, (list, tuple)) else [labels] * n
        if len(items) != n:
            raise ValueError(f"{len(items)} labels for {n} images")
        return torch.tensor([self.class_index(item) for item in items], dtype=torch.long)

    def class_index(self, label) -> int:
        """A class name ("7", "Sneaker"), or its index as a number (7, 7.0) or as text ("7")."""
        if isinstance(label, str) and label in self.classes:
            return self.classes.index(label)
        if isinstance(label, str) and label.strip().isdigit():
            label = int(label)
        if isinstance(label, (int, float)) and not isinstance(label, bool) and float(label).is_integer() \
                and 0 <= label < len(self.classes):
            return int(label)
        raise ValueError(f"unknown label {label!r}; {self.name} knows {', '.join(self.classes)}")

    @torch.inference_mode()
    def generate_tensor(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """(N, latent_dim) -> (N, C, S, S) in [-1, 1]."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"z must have shape (N, {self.latent_dim}), got {tuple(z.shape)}")
        if not torch.isfinite(z).all():
            raise ValueError("z contains NaN or infinity")
        z = z.float().to(self.device)
        labels = labels.to(self.device) if labels is not None else None
        return self.module(z, labels) if self.classes is not None else self.module(z)

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def warm_up(self) -> None:
        """One image, so the first request does not pay for lazy initialisation."""
        self.generate(1, seed=0, labels=0 if self.classes else None)

    def to(self, device) -> "ImageGenerator":
        """Run on ``device`` ("cpu", "cuda"); images still come back as PIL images."""
        self.module.to(device)
        return self

    def generate(self, n: int = 1, seed: int | None = None, labels=None, truncation: float = 1.0,
                 z: torch.Tensor | None = None) -> list[Image.Image]:
        """n images; the same seed (or z), labels and truncation always give the same images."""
        if z is None:
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_BATCH:
                raise ValueError(f"n must be between 1 and {MAX_BATCH}, got {n!r}")
            z = self.sample_z(n, seed, truncation)
        else:
            z = torch.as_tensor(z, dtype=torch.float32).reshape(-1, self.latent_dim) * check_truncation(truncation)
            n = z.shape[0]
        return to_pil_images(self.generate_tensor(z, self.label_indices(labels, n)))

    def blend_labels(self, label_a, label_b, seed: int, frames: int) -> list[Image.Image]:
        """One z, its label embedding moved linearly from ``label_a`` to ``label_b`` in ``frames`` steps."""
        if self.classes is None:
            raise ValueError(f"{self.name} is not conditional: it has no labels to blend")
        if isinstance(frames, bool) or not isinstance(frames, int) or not 2 <= frames <= MAX_BATCH:
            raise ValueError(f"frames must be between 2 and {MAX_BATCH}, got {frames!r}")
        with torch.inference_mode():
            ends = self.module.embed_labels(torch.tensor([self.class_index(label_a), self.class_index(label_b)],
                                                         device=self.device))
            weights = torch.linspace(0, 1, frames, device=self.device)[:, None]
            z = self.sample_z(1, seed).to(self.device).expand(frames, -1)
            return to_pil_images(self.module.from_embedding(z, torch.lerp(ends[0], ends[1], weights)))

    @property
    def discriminator(self) -> torch.nn.Module | None:
        """The shipped discriminator (the detective), loaded on first use; None when the folder has none."""
        if self._discriminator is None and self.folder is not None:
            discriminator = load_discriminator(self.folder)
            self._discriminator = discriminator.to(self.device) if discriminator is not None else None
        return self._discriminator

    @torch.inference_mode()
    def realness(self, image, label=None) -> float:
        """The discriminator's probability that ``image`` is a real training image (of ``label`` for a cGAN)."""
        if self.discriminator is None:
            raise ValueError(f"{self.name} ships no discriminator, so it cannot judge images")
        pixels = from_pil(fit_for_model(as_pil(image), self.image_size, self.channels), self.channels)
        pixels = pixels.to(next(self.discriminator.parameters()).device)
        labels = self.label_indices(label, 1)
        labels = labels.to(pixels.device) if labels is not None else None
        logit = self.discriminator(pixels, labels) if labels is not None else self.discriminator(pixels)
        return float(torch.sigmoid(logit.float())[0])


def fit_for_model(image: Image.Image, size: int, channels: int) -> Image.Image:
    """Any picture -> the model's size and mode. Greyscale models were trained on MNIST-like digits (light
    strokes on black, about 20/28 of the height, centred), so a dark-on-light drawing is inverted and framed."""
    if channels == 3:
        return image.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)
    grey = image.convert("L")
    if np.asarray(grey).mean() > 127:
        grey = ImageOps.invert(grey)
    if grey.size == (size, size):
        return grey
    box = grey.point(lambda v: 255 if v > 40 else 0).getbbox()
    if box is None:
        return grey.resize((size, size), Image.Resampling.LANCZOS)
    digit = grey.crop(box)
    scale = (size * 20 / 28) / max(digit.size)
    digit = digit.resize((max(1, round(digit.width * scale)), max(1, round(digit.height * scale))),
                         Image.Resampling.LANCZOS)
    canvas = Image.new("L", (size, size), 0)
    canvas.paste(digit, ((size - digit.width) // 2, (size - digit.height) // 2))
    return canvas
