"""Semantic directions stored beside a generator (computed by `python -m train directions NAME`)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from .checkpoints import read_safetensors

DIRECTIONS_FILE = "directions.safetensors"


@dataclass
class Directions:
    vectors: torch.Tensor  # (k, latent_dim), unit length
    explained_variance: torch.Tensor  # (k,), fraction of the early-activation variance each explains

    def labels(self) -> list[str]:
        return [f"direction {i + 1} — {100 * float(v):.0f} % of variance"
                for i, v in enumerate(self.explained_variance)]

    def apply(self, z: torch.Tensor, amounts) -> torch.Tensor:
        """z moved by ``amounts[i]`` along direction i (amounts may be shorter than k)."""
        amounts = torch.as_tensor([float(a) for a in amounts], dtype=z.dtype)
        if not torch.isfinite(amounts).all():
            raise ValueError("direction amounts must be finite numbers")
        return z + amounts @ self.vectors[:len(amounts)]


def load_directions(folder: Path | None) -> Directions | None:
    path = None if folder is None else Path(folder) / DIRECTIONS_FILE
    if path is None or not path.exists():
        return None
    tensors = read_safetensors(path)
    return Directions(tensors["directions"], tensors["explained_variance"])
