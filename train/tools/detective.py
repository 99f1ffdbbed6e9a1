"""`python -m train detective NAME`: teach a checkpoint's discriminator that blank canvases and static are fakes.

A discriminator only ever saw training images and its generator's attempts, so its score on anything else is
arbitrary: the shipped mnist-cgan's rated a blank canvas above about 30 % of real digits, which made the app's
detective meter wrong exactly where users try it first. This fine-tunes D alone (G frozen) on real images against
G's samples and trivial forgeries: blank images at any grey level, uniform static, sparse dots. D stays in eval
mode, so its batch-norm statistics remain those of GAN training (a batch of blank images would wreck them). The
figures before and after, on held-out real images, go into the checkpoint's config and card.

A checkpoint saved without its discriminator gets a new one (``--fresh-steps``, also to replace the saved one): it
first learns as in GAN training, in train mode, real images against the frozen G's samples (and, for a model with an
auxiliary classifier, the labels of the real ones), then the fine-tuning above runs on it.
"""
from __future__ import annotations

import argparse
import logging
import time

import torch
import torch.nn.functional as F

import gan_demo
from gan_demo.checkpoints import (
    DISCRIMINATOR_FILE,
    load_discriminator,
    new_discriminator,
    read_config,
    save_discriminator,
    update_section,
    weights_digest,
)
from gan_demo.generate import ImageGenerator

from ..data import StreamedFolder, load_image_data
from ..errors import UsageError
from ..model_card import write_model_card
from ..tasks import to_unit_range

log = logging.getLogger(__name__)

FORGERIES = ("blank", "static", "dots")
HELD_OUT = 0.1


def add_detective_parser(commands) -> None:
    sub = commands.add_parser("detective", help="fine-tune a checkpoint's discriminator against blank images "
                                                "and static (G frozen)")
    sub.add_argument("name", help="shipped name or checkpoint folder")
    sub.add_argument("--steps", type=int, default=300)
    sub.add_argument("--batch-size", type=int, default=64)
    sub.add_argument("--lr", type=float, default=1e-4)
    sub.add_argument("--seed", type=int, default=0)
    sub.add_argument("--fresh-steps", type=int, default=0,
                     help="train a new discriminator for this many steps first (needed when the folder has none)")
    sub.set_defaults(run_tool=run_detective)


def forgeries(kind: str, n: int, channels: int, size: int, generator: torch.Generator | None = None):
    """``n`` trivial fakes in [-1, 1]: ``blank`` (one random level each), ``static`` (uniform noise) or
    ``dots`` (a dark image with about 5 % bright pixels)."""
    shape = (n, channels, size, size)
    if kind == "blank":
        return (torch.rand(n, 1, 1, 1, generator=generator) * 2 - 1).expand(shape).contiguous()
    if kind == "static":
        return torch.rand(shape, generator=generator) * 2 - 1
    if kind == "dots":
        return torch.where(torch.rand(shape, generator=generator) < 0.05, 1.0, -1.0)
    raise ValueError(f"unknown forgery {kind!r}; choose one of {FORGERIES}")


def scores(discriminator, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    logits = discriminator(images) if labels is None else discriminator(images, labels)
    return logits.float().reshape(-1)


@torch.no_grad()
def detective_figures(discriminator, generator, images: torch.Tensor, labels: torch.Tensor | None,
                      latent_dim: int, seed: int) -> dict[str, float]:
    """% of pairs (a held-out real image, a fake for the same label) where the real one scores higher."""
    rng = torch.Generator().manual_seed(seed)
    n, channels, size = len(images), images.shape[1], images.shape[-1]
    real = scores(discriminator, images, labels)
    fakes = {"the generator's samples": generator(torch.randn(n, latent_dim, generator=rng), *(
        () if labels is None else (labels,)))}
    fakes["black blank images"] = torch.full_like(images, -1.0)
    fakes.update({f"{kind} images": forgeries(kind, n, channels, size, rng) for kind in FORGERIES})
    return {name: round(100 * (real > scores(discriminator, fake, labels)).float().mean().item(), 1)
            for name, fake in fakes.items()}


def run_detective(args: argparse.Namespace) -> int:
    loaded = gan_demo.load(args.name)
    folder = loaded.folder
    if folder is None:
        raise UsageError(f"{args.name}: detective writes into a checkpoint folder; this is a bare weights file")
    if not isinstance(loaded, ImageGenerator):
        raise UsageError(f"{args.name}: only generators of images from z have an image discriminator to sharpen")
    discriminator = new_discriminator(folder) if args.fresh_steps else load_discriminator(folder)
    if discriminator is None:
        raise UsageError(f"{args.name}: the folder has no {DISCRIMINATOR_FILE} to fine-tune; train a new one "
                         "with --fresh-steps N")
    generator = loaded.module.requires_grad_(False)
    payload = read_config(folder)
    model = payload["model"]
    conditional = loaded.classes is not None
    data = load_image_data(payload["training"]["options"]["data"], model["image_size"], model["channels"])
    if isinstance(data, StreamedFolder):
        raise UsageError(f"{args.name}: its training folder is too large to hold in memory, which this "
                         "fine-tuning needs (raise GAN_PLAYGROUND_PRELOAD_BYTES if the memory is there)")
    torch.manual_seed(args.seed)
    order = torch.randperm(len(data.images))
    held_out, train = order[:int(len(order) * HELD_OUT)], order[int(len(order) * HELD_OUT):]
    images = to_unit_range(data.images)
    labels = data.labels if conditional else None

    def figures():
        return detective_figures(discriminator, generator, images[held_out],
                                 None if labels is None else labels[held_out], model["latent_dim"], args.seed)

    def batch_of_real_and_fake():
        batch = train[torch.randint(0, len(train), (args.batch_size,))]
        batch_labels = None if labels is None else labels[batch]
        with torch.no_grad():
            fake = generator(torch.randn(args.batch_size, model["latent_dim"]),
                             *(() if batch_labels is None else (batch_labels,)))
        return images[batch], batch_labels, fake

    optimiser = torch.optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    started = time.perf_counter()
    if args.fresh_steps:
        learn_from_scratch(discriminator, optimiser, batch_of_real_and_fake, args.fresh_steps)
    before = figures()
    log.info("before: %s", before)
    for step in range(args.steps):
        real, batch_labels, fake = batch_of_real_and_fake()
        trivial = forgeries(FORGERIES[step % len(FORGERIES)], args.batch_size, model["channels"],
                            model["image_size"])
        real_logits = scores(discriminator, real, batch_labels)
        fake_logits = torch.cat([scores(discriminator, fake, batch_labels),
                                 scores(discriminator, trivial, batch_labels)])
        loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 50 == 0:
            log.info("step %d: loss %.4f", step, loss.item())
    seconds = time.perf_counter() - started
    after = figures()
    log.info("after: %s", after)
    save_discriminator(folder, discriminator)
    update_section(folder, "detective", {
        "weights": weights_digest(folder, DISCRIMINATOR_FILE), "command": args.command_line, "steps": args.steps,
        "fresh_steps": args.fresh_steps,
        "seconds": round(seconds, 1), "held_out_images": len(held_out), "before": before, "after": after})
    write_model_card(folder)
    return 0


def learn_from_scratch(discriminator, optimiser, batches, steps: int) -> None:
    """GAN training's discriminator step against a frozen G, ``steps`` times, in train mode (batch norm learns its
    statistics from separate real and fake batches, as in GAN training); a model with an auxiliary classifier also
    learns the real images' labels. Leaves D in eval mode."""
    discriminator.train()
    for step in range(steps):
        real, labels, fake = batches()
        if labels is None:
            real_logits, class_logits = discriminator(real), None
        else:
            real_logits, class_logits = discriminator(real, labels, with_classes=True)
        fake_logits = scores(discriminator, fake, labels)
        loss = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        if class_logits is not None:
            loss = loss + F.cross_entropy(class_logits, labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if step % 200 == 0:
            log.info("fresh step %d: loss %.4f", step, loss.item())
    discriminator.eval()
