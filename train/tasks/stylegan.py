"""StyleGAN2 on the image GAN task: the same non-saturating loss and DiffAugment, plus what StyleGAN2-ADA's
small-data recipe adds.

Phases: those of the image GAN task, with its lazy R1 penalty on by default. With probability --style-mixing a
batch is generated from two z, switching at a random layer, so neighbouring layers cannot rely on sharing one
style. Adam with betas (0, 0.99) and a learning rate of 2.5e-3 (equalised learning rate makes
it the same for every layer).
"""
from __future__ import annotations

import argparse

import torch

from gan_demo.kinds.stylegan import SPEC as STYLEGAN

from ..augment import parse_policy
from ..errors import UsageError
from .image_gan import ImageGANTask

IMAGE_SIZES = (32, 64)


class StyleGANTask(ImageGANTask):
    kind = STYLEGAN.name
    help = "train a StyleGAN2 (mapping network, modulated convolutions, style mixing)"
    defaults = {"epochs": 100, "batch_size": 32, "lr": 2.5e-3}

    def __init__(self, config, generator, discriminator, augment: tuple[str, ...] = (), r1_gamma: float = 0.1,
                 r1_every: int = 16, style_mixing: float = 0.9):
        super().__init__(config, generator, discriminator, augment=augment, r1_gamma=r1_gamma, r1_every=r1_every)
        self.style_mixing = style_mixing

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(width=32, ema_decay=0.998, r1_gamma=0.1)
        parser.add_argument("--max-width", type=int, default=256, help="channels at the coarsest resolutions")
        parser.add_argument("--latent-dim", type=int, default=128, help="length of z and w")
        parser.add_argument("--mapping-layers", type=int, default=4)
        parser.add_argument("--style-mixing", type=float, default=0.9,
                            help="probability that a batch mixes the styles of two z")

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        if args.image_size is None and args.data in ("mnist", "fashion-mnist"):
            args.image_size = 32  # digits and clothes padded from 28: StyleGAN doubles from 4 px
        super().validate(args)
        if args.image_size not in IMAGE_SIZES:
            raise UsageError(f"--image-size {args.image_size}: a StyleGAN here draws at "
                             f"{' or '.join(map(str, IMAGE_SIZES))} px")
        if not 0 <= args.style_mixing <= 1:
            raise UsageError("--style-mixing must be in [0, 1]")
        if min(args.max_width, args.latent_dim, args.mapping_layers) < 1:
            raise UsageError("--max-width, --latent-dim and --mapping-layers must be positive")

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        overrides = super().option_overrides(args)
        overrides["betas"] = (0.0, 0.99)
        overrides["extra"]["style_mixing"] = args.style_mixing
        return overrides

    @classmethod
    def build(cls, args: argparse.Namespace, data) -> "StyleGANTask":
        config = STYLEGAN.config_class(latent_dim=args.latent_dim, mapping_layers=args.mapping_layers,
                                       channels=data.image_shape[0], image_size=args.image_size,
                                       base_width=args.width, max_width=args.max_width)
        return cls(config, STYLEGAN.generator_class(config), STYLEGAN.discriminator_class(config),
                   augment=parse_policy(args.augment), style_mixing=args.style_mixing, **cls.regularisation(args))

    # ---- a training step ----------------------------------------------------------------------------------------
    def sample_inputs(self, n: int, device):
        """z, and (second z, crossover layer) when this batch mixes styles."""
        z = torch.randn(n, self.config.latent_dim, device=device)
        if torch.rand(()) >= self.style_mixing:
            return z, None
        crossover = int(torch.randint(1, self.config.num_layers, ()))
        return z, (torch.randn(n, self.config.latent_dim, device=device), crossover)

    def generate(self, generator, z, mixing):
        return generator(z, mixing)
