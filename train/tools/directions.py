"""`python -m train directions NAME`: semantic directions in z (GANSpace, Härkönen et al. 2020).

Principal components of an early generator activation (the first block's output, ``first_block``) over many
random z, mapped back to z by least squares: each z's activation is projected on the components, and the
directions are the regression of z on those projections. Stored as ``directions.safetensors`` in the checkpoint
folder, stamped with the digest of the weights it was computed from.
"""
from __future__ import annotations

import argparse
import logging

import torch

import gan_demo
from gan_demo.checkpoints import update_section
from gan_demo.directions import Directions, save_directions

from ..errors import UsageError
from ..model_card import write_model_card

log = logging.getLogger(__name__)


def add_directions_parser(commands) -> None:
    sub = commands.add_parser("directions", help="compute GANSpace directions into a checkpoint folder")
    sub.add_argument("name", help="shipped name or folder")
    sub.add_argument("--count", type=int, default=8)
    sub.add_argument("--samples", type=int, default=5000)
    sub.add_argument("--seed", type=int, default=0)
    sub.set_defaults(run_tool=run_directions)


@torch.no_grad()
def early_activations(model, z: torch.Tensor) -> torch.Tensor:
    """(N, D): the generator's first block, flattened; a conditional generator gets random labels."""
    labels = None
    if model.classes is not None:
        labels = torch.randint(0, len(model.classes), (len(z),), generator=torch.Generator().manual_seed(1))
    chunks = zip(z.split(1000), labels.split(1000) if labels is not None else [None] * len(z.split(1000)))
    return torch.cat([model.module.first_block(zc, lc).flatten(1) for zc, lc in chunks])


def principal_directions(model, samples: int, count: int, seed: int) -> Directions:
    """``count`` unit directions in z and the fraction of activation variance each explains."""
    z = torch.randn(samples, model.latent_dim, generator=torch.Generator().manual_seed(seed))
    activations = early_activations(model, z).double()
    centred = activations - activations.mean(0)
    _, singular, components = torch.linalg.svd(centred, full_matrices=False)
    variance = singular.square() / singular.square().sum()
    coefficients = centred @ components[:count].T  # (N, count)
    directions = torch.linalg.lstsq(coefficients, z.double()).solution  # (count, latent_dim)
    directions = directions / directions.norm(dim=1, keepdim=True)
    return Directions(directions.float(), variance[:count].float())


def run_directions(args: argparse.Namespace) -> int:
    model = gan_demo.load(args.name)
    if model.folder is None or not hasattr(model.module, "first_block"):
        raise UsageError(f"{args.name}: directions are computed into checkpoint folders of generators from z")
    directions = principal_directions(model, args.samples, args.count, args.seed)
    digest = save_directions(model.folder, directions)
    update_section(model.folder, "directions", {
        "weights": digest, "count": args.count, "samples": args.samples, "seed": args.seed,
        "explained_variance": [round(float(v), 4) for v in directions.explained_variance]})
    write_model_card(model.folder)
    log.info("%d directions; variance explained: %s", args.count,
             ", ".join(f"{100 * float(v):.1f}%" for v in directions.explained_variance))
    return 0
