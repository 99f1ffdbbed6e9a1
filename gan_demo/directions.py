"""Semantic directions stored beside a generator (computed by `python -m train directions NAME`).

``directions.safetensors`` records, in its metadata, the digest of the weights it was computed from; directions
of other weights (a run resumed since) are stale and never served.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save

from . import atomic
from .checkpoints import is_fresh, read_safetensors, weights_digest

DIRECTIONS_FILE = "directions.safetensors"
log = logging.getLogger(__name__)


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
        return z + amounts.to(z.device) @ self.vectors[:len(amounts)].to(z.device)


def save_directions(folder: Path, directions: Directions) -> str:
    """Write the file atomically, stamped with the digest of the folder's weights; returns that digest."""
    digest = weights_digest(folder)
    tensors = {"directions": directions.vectors.contiguous(),
               "explained_variance": directions.explained_variance.contiguous()}
    atomic.write_bytes(Path(folder) / DIRECTIONS_FILE, save(tensors, metadata={"weights": digest}))
    return digest


def load_directions(folder: Path | None) -> Directions | None:
    """The folder's directions, or None when it has none or they were computed from other weights."""
    path = None if folder is None else Path(folder) / DIRECTIONS_FILE
    if path is None or not path.exists():
        return None
    tensors = read_safetensors(path)
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if not is_fresh(folder, metadata):
        log.warning("%s was computed from other weights than %s's current ones: not used (recompute it with "
                    "`python -m train directions %s`)", path, folder, folder)
        return None
    return Directions(tensors["directions"], tensors["explained_variance"])
