"""Images from z: DCGAN and the conditional GAN (and, built on them, InfoGAN and StyleGAN). Non-saturating logistic
loss, DiffAugment on everything D sees.

Phases: "D" (real vs. fake, and the AC-GAN class loss on real images); "R1" every --r1-every steps when
--r1-gamma is set (the gradient penalty on real images, lazily: its weight is multiplied by the interval, as
Karras et al. 2020 do, so it costs a fraction of a step); then "G" with D's weights frozen.
"""
from __future__ import annotations

import abc
import argparse

import torch
import torch.nn.functional as F
from torch import nn

import gan_demo
from gan_demo.kinds.cgan import SPEC as CGAN
from gan_demo.kinds.dcgan import SPEC as DCGAN
from gan_demo.kinds.dcgan import SUPPORTED_SIZES

from ..augment import diff_augment, parse_policy
from ..data import LABELLED, load_image_data
from ..errors import UsageError
from ..run_files import lineage
from .base import Phase, Task, copy_weights, to_unit_range


class ImageGANTask(Task):
    """What DCGAN and the conditional GAN share; ``conditional`` tells them apart."""

    conditional = False
    # DiffAugment for digits and clothes unless --augment says otherwise: none. With translation the MNIST GANs'
    # classifier Fréchet distance was far worse (the cGAN 29.2 with, 12.0 without; the DCGAN 81 with, 60.5 without)
    greyscale_augment = "none"
    fresh_heads: tuple[str, ...] = ()  # D's heads an --init-from model may lack (they start fresh)

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module, augment: tuple[str, ...] = (),
                 mode_seeking: float = 0.0, auxiliary_weight: float = 0.0, r1_gamma: float = 0.0, r1_every: int = 16):
        super().__init__(config, {"G": generator, "D": discriminator})
        self.augment = augment
        self.r1_gamma, self.r1_every = r1_gamma, r1_every
        self.mode_seeking = mode_seeking
        self.auxiliary_weight = auxiliary_weight if getattr(config, "auxiliary_classifier", False) else 0.0

    # ---- the command line -------------------------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        data = "mnist | fashion-mnist" + ("" if cls.conditional else " | openmoji | IMAGE_FOLDER")
        parser.add_argument("--data", required=True, help=data)
        parser.add_argument("--data-limit", type=int, default=0, help="train on the first N images only (0: all)")
        parser.add_argument("--image-size", type=int, default=None,
                            help="28, 32 or 64 (default: 28 for digits and clothes, 64 else)")
        parser.add_argument("--channels", type=int, choices=(1, 3), default=None, help="default: the data's own")
        parser.add_argument("--width", type=int, default=64, help="base width (ngf = ndf) of G and D")
        parser.add_argument("--augment", default=None,
                            help=f"DiffAugment policy, e.g. color,translation,cutout or none (default: "
                                 f"{cls.greyscale_augment} for digits and clothes, color,translation,cutout else)")
        parser.add_argument("--ema-decay", type=float, default=0.999, help="EMA of G's weights (0: off)")
        parser.add_argument("--r1-gamma", type=float, default=0.0,
                            help="weight of the R1 penalty on D's gradient at real images (0: off)")
        parser.add_argument("--r1-every", type=int, default=16, help="steps between R1 penalties (lazy)")
        parser.add_argument("--init-from", metavar="MODEL", default=None,
                            help="start G (and D, when the checkpoint ships one) from a trained model of this kind "
                                 "and architecture: a shipped name, a run folder or a Hub repo id")

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        grey = args.data in LABELLED
        args.image_size = args.image_size or (28 if grey else 64)
        if args.image_size not in SUPPORTED_SIZES:
            raise UsageError(f"--image-size {args.image_size}: choose one of {', '.join(map(str, SUPPORTED_SIZES))}")
        if args.width < 1 or args.data_limit < 0:
            raise UsageError("--width must be positive and --data-limit at least 0")
        if not 0 <= args.ema_decay < 1:
            raise UsageError(f"--ema-decay {args.ema_decay}: must be in [0, 1) (0 turns the EMA off)")
        if args.r1_gamma < 0 or args.r1_every < 1:
            raise UsageError("--r1-gamma must be at least 0 and --r1-every at least 1")
        # colour jitter on greyscale digits only shifts brightness; colour data is recoloured
        args.augment = args.augment if args.augment is not None else (
            cls.greyscale_augment if grey else "color,translation,cutout")
        try:
            parse_policy(args.augment)
        except ValueError as error:
            raise UsageError(f"--augment {args.augment}: {error}") from None

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        extra = {"data": args.data, "augment": args.augment}
        if args.init_from:
            extra["init_from"] = args.init_from
        if args.r1_gamma:
            extra.update(r1_gamma=args.r1_gamma, r1_every=args.r1_every)
        return {"ema_decay": args.ema_decay, "extra": extra}

    @staticmethod
    def regularisation(args: argparse.Namespace) -> dict:
        """The R1 keyword arguments of ``__init__`` from the flags."""
        return {"r1_gamma": args.r1_gamma, "r1_every": args.r1_every}

    @classmethod
    def load_data(cls, args: argparse.Namespace):
        return load_image_data(args.data, args.image_size, args.channels, limit=args.data_limit or None)

    @classmethod
    def from_args(cls, args: argparse.Namespace, data) -> "ImageGANTask":
        task = cls.build(args, data)
        if args.init_from and not args.resume:  # a resumed run's own state holds the weights
            task.start_from(args.init_from)
        return task

    @classmethod
    @abc.abstractmethod
    def build(cls, args: argparse.Namespace, data) -> "ImageGANTask":
        """A fresh task from the flags (networks initialised from the current RNG state)."""

    def start_from(self, name: str) -> None:
        """Continue a trained model (``--init-from``): its generator, and its discriminator when it ships one (a
        shipped detective included), replace the fresh networks, except the heads in ``fresh_heads`` that it lacks,
        which keep their fresh weights; the optimisers start afresh. Its card's stages are kept, so the new card
        still says how the starting weights were made."""
        model = gan_demo.load(name)
        if model.payload["kind"] != self.kind:
            raise UsageError(f"--init-from {name}: a {model.payload['kind']} checkpoint, not {self.kind}")
        self.check_continuable(model.config, name)
        copy_weights(self.generator, model.module, f"--init-from {name}")
        if model.discriminator is not None:
            copy_weights(self.networks["D"], model.discriminator, f"--init-from {name} (its discriminator)",
                         fresh=self.fresh_heads)
        self.earlier_stages = lineage(model.payload, "starting weights")

    def check_continuable(self, config, name: str) -> None:
        """A UsageError where ``--init-from``'s model differs from this run in a setting that is no tensor shape
        (which copy_weights checks): the same weights would compute something else."""

    @classmethod
    def config_fields(cls, args: argparse.Namespace, data) -> dict:
        return dict(latent_dim=100, channels=data.image_shape[0], image_size=args.image_size, base_width=args.width)

    # ---- a training step ----------------------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        regularise = [Phase("R1", optimizer="D", every=self.r1_every)] if self.r1_gamma else []
        return [Phase("D", optimizer="D"), *regularise, Phase("G", optimizer="G", frozen=("D",))]

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        labels = data.labels[indices] if data.labels is not None else None
        return {"real": to_unit_range(data.images[indices]), "labels": labels}

    def sample_inputs(self, n: int, device) -> tuple[torch.Tensor, torch.Tensor | None]:
        """z and labels; the second half of the batch repeats the first half's labels (with other z), which the
        mode-seeking term compares (without labels it compares the two halves' images as they come)."""
        z = torch.randn(n, self.config.latent_dim, device=device)
        if not self.conditional:
            return z, None
        labels = torch.randint(0, self.config.num_classes, ((n + 1) // 2,), device=device)
        return z, torch.cat([labels, labels])[:n]

    def generate(self, generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return generator(z, labels) if self.conditional else generator(z)

    def judge(self, images: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(real/fake logits, class logits or None) of the augmented images."""
        images = diff_augment(images, self.augment)
        discriminator = self.networks["D"]
        if not self.conditional:
            return discriminator(images), None
        return discriminator(images, labels, with_classes=True)

    def class_loss(self, class_logits: torch.Tensor | None, labels: torch.Tensor | None):
        """AC-GAN: D learns the class of real images; G is pushed to make its fakes classified as asked."""
        if class_logits is None or not self.auxiliary_weight:
            return 0.0
        return self.auxiliary_weight * F.cross_entropy(class_logits.float(), labels)

    def loss(self, phase: str, batch: dict) -> tuple[torch.Tensor, dict]:
        losses = {"D": self.discriminator_loss, "R1": self.r1_penalty, "G": self.generator_loss}
        return losses[phase](batch)

    def r1_penalty(self, batch: dict) -> tuple[torch.Tensor, dict]:
        """gamma/2 E|grad_x D(x)|^2 on (augmented) real images, times the interval it runs at."""
        real = batch["real"].detach().requires_grad_(True)
        with self.uncompiled("D"):  # torch.compile cannot differentiate twice, and the penalty's backward does
            logits, _ = self.judge(real, batch["labels"])
        gradient, = torch.autograd.grad(logits.float().sum(), real, create_graph=True)
        penalty = gradient.float().square().sum((1, 2, 3)).mean()
        return penalty * (self.r1_gamma / 2 * self.r1_every), {"R1": penalty.detach()}

    def discriminator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        """Also leaves the fakes (with their graph) in ``batch`` for the G phase, as pytorch/examples does."""
        real, labels = batch["real"], batch["labels"]
        z, fake_labels = self.sample_inputs(real.shape[0], real.device)
        fake = self.generate(self.generator, z, fake_labels)
        batch["z"], batch["fake"], batch["fake_labels"] = z, fake, fake_labels
        real_logits, real_classes = self.judge(real, labels)
        fake_logits, _ = self.judge(fake.detach(), fake_labels)
        loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean() + self.class_loss(real_classes, labels)
        stats = {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                 "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean()}
        return loss, stats

    def generator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        fake_logits, fake_classes = self.judge(batch["fake"], batch["fake_labels"])
        loss = F.softplus(-fake_logits).mean() + self.class_loss(fake_classes, batch["fake_labels"])
        if not self.mode_seeking:
            return loss, {}
        # Mode seeking (Mao et al. 2019): two z (of the same label) must give images as different as the z are.
        # Without it the measured cGAN learned one image per label and ignored z.
        half = batch["fake"].shape[0] // 2
        fake, z = batch["fake"], batch["z"]
        ratio = (fake[:half] - fake[half:2 * half]).abs().mean() / (z[:half] - z[half:2 * half]).abs().mean()
        return loss + self.mode_seeking / (ratio + 1e-5), {"diversity": ratio.detach()}

    # ---- what gets saved ------------------------------------------------------------------------------------------
    def fixed_inputs(self, device) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The z (and labels) of the per-save sample grid: 8 rows; for a cGAN one column per class."""
        generator = torch.Generator().manual_seed(1234)
        if not self.conditional:
            return torch.randn(64, self.config.latent_dim, generator=generator).to(device), None
        classes = self.config.num_classes
        z = torch.randn(8, 1, self.config.latent_dim, generator=generator).expand(-1, classes, -1)
        labels = torch.arange(classes).repeat(8)
        return z.reshape(-1, self.config.latent_dim).to(device), labels.to(device)

    def grid_columns(self) -> int:
        return self.config.num_classes if self.conditional else 8

    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        device = next(generator.parameters()).device
        return self.generate(generator, *self.fixed_inputs(device))

    @torch.no_grad()
    def recalibrate(self, generator: nn.Module, batches: int = 8, batch_size: int = 64) -> None:
        """Re-estimate BN running statistics of ``generator`` (the EMA copy, whose weights never ran)."""
        norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        device = next(generator.parameters()).device
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average over the calibration batches
        generator.train()
        for _ in range(batches):
            self.generate(generator, *self.sample_inputs(batch_size, device))
        for norm in norms:
            norm.momentum = 0.1
        generator.eval()


def add_mode_seeking_argument(parser: argparse.ArgumentParser, default: float) -> None:
    parser.add_argument("--mode-seeking", type=float, default=default,
                        help="weight of the mode-seeking term (Mao et al. 2019): two z (of one label) must give images "
                             "as different as the z are (0: off)")


class DCGANTask(ImageGANTask):
    kind = DCGAN.name
    help = "train a DCGAN generator (images from z)"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        add_mode_seeking_argument(parser, default=0.0)

    @classmethod
    def build(cls, args: argparse.Namespace, data) -> "DCGANTask":
        config = DCGAN.config_class(**cls.config_fields(args, data))
        return cls(config, DCGAN.generator_class(config), DCGAN.discriminator_class(config),
                   augment=parse_policy(args.augment), mode_seeking=args.mode_seeking, **cls.regularisation(args))


class CGANTask(ImageGANTask):
    kind = CGAN.name
    help = "train a conditional GAN (images of an asked class)"
    conditional = True

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--label-input", choices=("projection", "maps"), default="projection",
                            help="how D sees the label")
        parser.add_argument("--embed-dim", type=int, default=50)
        parser.add_argument("--auxiliary-weight", type=float, default=1.0,
                            help="weight of the AC-GAN class loss on D's auxiliary head (0: no head)")
        add_mode_seeking_argument(parser, default=1.0)

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        if args.data not in LABELLED:
            raise UsageError(f"--data {args.data}: a conditional GAN needs labelled data ({', '.join(LABELLED)})")
        super().validate(args)

    @classmethod
    def build(cls, args: argparse.Namespace, data) -> "CGANTask":
        fields = cls.config_fields(args, data)
        fields.update(num_classes=len(data.class_names), class_names=data.class_names, embed_dim=args.embed_dim,
                      label_input=args.label_input, auxiliary_classifier=args.auxiliary_weight > 0)
        config = CGAN.config_class(**fields)
        return cls(config, CGAN.generator_class(config), CGAN.discriminator_class(config),
                   augment=parse_policy(args.augment), mode_seeking=args.mode_seeking,
                   auxiliary_weight=args.auxiliary_weight, **cls.regularisation(args))
