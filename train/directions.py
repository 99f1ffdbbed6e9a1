"""`python -m train directions NAME`: semantic directions in z (GANSpace, Härkönen et al. 2020).

Principal components of an early generator activation (the first block's output) over many random z, mapped
back to z by least squares: each z's activation is projected on the components, and the directions are the
regression of z on those projections. Stored as ``directions.safetensors`` in the checkpoint folder.
"""
from __future__ import annotations

import argparse
import logging

import torch
from safetensors.torch import save

import gan_demo
from gan_demo import atomic
from gan_demo.checkpoints import read_config
from gan_demo.directions import DIRECTIONS_FILE

from .model_card import write_model_card

log = logging.getLogger(__name__)


@torch.no_grad()
def early_activations(model, z: torch.Tensor) -> torch.Tensor:
    """(N, D): the generator's first block (transposed convolution, batch norm, ReLU), flattened."""
    first_block = model.module.main[:3]
    if model.classes is None:
        inputs = z
    else:
        labels = torch.randint(0, len(model.classes), (len(z),), generator=torch.Generator().manual_seed(1))
        inputs = torch.cat([z, model.module.label_embedding(labels)], dim=1)
    return torch.cat([first_block(chunk[:, :, None, None]).flatten(1) for chunk in inputs.split(1000)])


def principal_directions(model, samples: int, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(count, latent_dim) unit directions in z and the fraction of activation variance each explains."""
    z = torch.randn(samples, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    activations = early_activations(model, z).double()
    centred = activations - activations.mean(0)
    _, singular, components = torch.linalg.svd(centred, full_matrices=False)
    variance = singular.square() / singular.square().sum()
    coefficients = centred @ components[:count].T  # (N, count)
    directions = torch.linalg.lstsq(coefficients, z.double()).solution  # (count, latent_dim)
    directions = directions / directions.norm(dim=1, keepdim=True)
    return directions.float(), variance[:count].float()


def run_directions(args: argparse.Namespace) -> int:
    model = gan_demo.load(args.name)
    if model.kind == "pix2pix" or model.folder is None:
        raise ValueError(f"{args.name}: directions are computed for DCGAN / cGAN checkpoint folders")
    directions, variance = principal_directions(model, args.samples, args.count, args.seed)
    atomic.write_bytes(model.folder / DIRECTIONS_FILE,
                       save({"directions": directions.contiguous(), "explained_variance": variance.contiguous()}))
    payload = read_config(model.folder)
    payload["directions"] = {"count": args.count, "samples": args.samples, "seed": args.seed,
                             "explained_variance": [round(float(v), 4) for v in variance]}
    atomic.write_json(model.folder / "config.json", payload)
    write_model_card(model.folder)
    log.info("%d directions; variance explained: %s", args.count,
             ", ".join(f"{100 * float(v):.1f}%" for v in variance))
    return 0
