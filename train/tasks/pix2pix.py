"""Paired image-to-image translation (Isola et al. 2017): U-Net G, PatchGAN D, GAN + reconstruction loss.

Phases: "D" (real pairs vs. translated pairs) when the adversarial term is on, then "G" (reconstruction, plus
fooling D with D's weights frozen). ``--gan-weight 0`` trains G by the reconstruction loss alone (the paper's
"L1 only" row), which scores best on PSNR at a fraction of the cost; ``--reconstruction l2`` regresses the mean
colour instead of the median, which is what PSNR rewards.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

from gan_demo.kinds.pix2pix import SPEC as PIX2PIX

from ..data.pairs import STANDARD_DATASETS, download_standard, load_pairs
from ..errors import UsageError
from .base import Phase, Task, to_unit_range

RECONSTRUCTION_LOSSES = ("l1", "l2")


class Pix2PixTask(Task):
    kind = PIX2PIX.name
    help = "train a pix2pix translator from paired images"
    defaults = {"epochs": 20, "batch_size": 8, "lr": 2e-4}

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module, l1_weight: float = 100.0,
                 jitter: float = 1.125, gan_weight: float = 1.0, reconstruction: str = "l1"):
        if reconstruction not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"reconstruction loss must be one of {RECONSTRUCTION_LOSSES}")
        super().__init__(config, {"G": generator, "D": discriminator})
        self.l1_weight, self.jitter, self.gan_weight = l1_weight, jitter, gan_weight
        self.reconstruction = reconstruction
        self.fixed: tuple[torch.Tensor, torch.Tensor] | None = None

    # ---- the command line -------------------------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--data", help="openmoji | ALIGNED_A|B_FOLDER | FOLDER_WITH_A_AND_B")
        source.add_argument("--download", choices=STANDARD_DATASETS, help="fetch a standard pix2pix dataset")
        parser.add_argument("--direction", choices=("AtoB", "BtoA"), default=None,
                            help="which side of a folder's pairs is the input (default AtoB; not for openmoji)")
        parser.add_argument("--image-size", type=int, default=128, help="a multiple of 2**depth")
        parser.add_argument("--depth", type=int, default=7, help="2x downsamplings of the U-Net (8 for 256 px)")
        parser.add_argument("--width", type=int, default=16, help="ngf: channels after the first convolution")
        parser.add_argument("--disc-width", type=int, default=None, help="ndf of the PatchGAN (default 32)")
        parser.add_argument("--norm", choices=("batch", "instance"), default="instance")
        parser.add_argument("--no-dropout", action="store_true")
        parser.add_argument("--l1-weight", type=float, default=100.0, help="weight of the reconstruction loss")
        parser.add_argument("--reconstruction", choices=RECONSTRUCTION_LOSSES, default="l1",
                            help="l1 (the paper) or l2, the mean colour, which PSNR rewards")
        parser.add_argument("--gan-weight", type=float, default=1.0,
                            help="weight of the adversarial loss (0: no discriminator, reconstruction alone)")
        parser.add_argument("--jitter", type=float, default=1.125,
                            help="random enlargement before the crop back to size (1: none; mirroring stays on)")
        parser.add_argument("--lr-d", type=float, default=None,
                            help="the discriminator's learning rate (default: --lr)")
        parser.add_argument("--mirror-average", action=argparse.BooleanOptionalAction, default=False,
                            help="at inference, average with the mirrored output of the mirrored input (2x compute)")
        parser.add_argument("--inference-mode", choices=("paper", "eval"), default=None,
                            help="paper: dropout and batch statistics at test time (default with batch norm); "
                                 "eval: the usual eval mode (default with instance norm)")

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        if args.depth < 5:
            raise UsageError(f"--depth {args.depth}: the U-Net needs at least 5 downsamplings")
        if args.image_size % 2 ** args.depth:
            raise UsageError(f"--image-size {args.image_size} is not a multiple of 2**{args.depth}")
        if args.jitter < 1:
            raise UsageError(f"--jitter {args.jitter}: the enlargement factor must be at least 1 (1: no jitter)")
        if args.gan_weight < 0 or args.l1_weight < 0 or args.gan_weight == args.l1_weight == 0:
            raise UsageError("--gan-weight and --l1-weight must be at least 0, and not both 0")
        if not args.gan_weight:
            named = [flag for flag, value in (("--lr-d", args.lr_d), ("--disc-width", args.disc_width)) if value]
            if named:
                raise UsageError(f"{' and '.join(named)} with --gan-weight 0: no discriminator is trained")
        if args.direction and args.data == "openmoji":
            raise UsageError("--direction with --data openmoji: its pairs are always line art -> colour")
        args.direction = args.direction or "AtoB"
        args.disc_width = args.disc_width or 32
        args.inference_mode = args.inference_mode or ("paper" if args.norm == "batch" else "eval")

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        return {"lr_d": args.lr_d or args.lr, "ema_decay": 0.0,
                "extra": {"data": args.data or args.download, "direction": args.direction,
                          "l1_weight": args.l1_weight, "reconstruction": args.reconstruction,
                          "gan_weight": args.gan_weight, "jitter": args.jitter}}

    @classmethod
    def load_data(cls, args: argparse.Namespace):
        name = str(download_standard(args.download)) if args.download else args.data
        return load_pairs(name, args.image_size, args.direction)

    @classmethod
    def from_args(cls, args: argparse.Namespace, data) -> "Pix2PixTask":
        config = PIX2PIX.config_class(
            input_channels=int(data.sketches.shape[2]), output_channels=int(data.targets.shape[1]), depth=args.depth,
            base_width=args.width, norm=args.norm, dropout=not args.no_dropout, inference_mode=args.inference_mode,
            mirror_average=args.mirror_average, image_size=args.image_size, disc_width=args.disc_width)
        return cls(config, PIX2PIX.generator_class(config), PIX2PIX.discriminator_class(config),
                   l1_weight=args.l1_weight, gan_weight=args.gan_weight, reconstruction=args.reconstruction,
                   jitter=args.jitter)

    # ---- a training step ----------------------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        generator_phase = Phase("G", optimizer="G", frozen=("D",))
        return [Phase("D", optimizer="D"), generator_phase] if self.gan_weight > 0 else [generator_phase]

    def prepare(self, data) -> None:
        """Eight training pairs (first stroke variant) for the sample grid: sketch | output | target."""
        picks = torch.linspace(0, len(data) - 1, 8).long().to(data.targets.device)
        self.fixed = (to_unit_range(data.sketches[picks, 0]), to_unit_range(data.targets[picks]))

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        variant = torch.randint(0, data.sketches.shape[1], (len(indices),), device=indices.device)
        sketches = to_unit_range(data.sketches[indices, variant])
        targets = to_unit_range(data.targets[indices])
        sketches, targets = self.jitter_pair(sketches, targets)
        return {"sketches": sketches, "targets": targets}

    def jitter_pair(self, sketches: torch.Tensor, targets: torch.Tensor):
        """The same random enlargement-and-crop and mirroring for both images of a pair."""
        size = sketches.shape[-1]
        big = round(size * self.jitter)
        pair = torch.cat([sketches, targets], dim=1)
        if big > size:
            pair = F.interpolate(pair, size=(big, big), mode="bilinear", align_corners=False)
            tops = torch.randint(0, big - size + 1, (len(pair),)).tolist()
            lefts = torch.randint(0, big - size + 1, (len(pair),)).tolist()
            pair = torch.stack([p[:, top:top + size, left:left + size] for p, top, left in zip(pair, tops, lefts)])
        flip = torch.rand(len(pair), device=pair.device) < 0.5
        pair = torch.where(flip[:, None, None, None], pair.flip(-1), pair)
        return pair[:, :sketches.shape[1]].contiguous(), pair[:, sketches.shape[1]:].contiguous()

    def translated(self, batch: dict) -> torch.Tensor:
        """G's output for the batch, computed once for the D and the G phase."""
        if "fake" not in batch:
            batch["fake"] = self.generator(batch["sketches"])
        return batch["fake"]

    def loss(self, phase: str, batch: dict) -> tuple[torch.Tensor, dict]:
        return self.discriminator_loss(batch) if phase == "D" else self.generator_loss(batch)

    def discriminator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        sketches, targets, fake = batch["sketches"], batch["targets"], self.translated(batch)
        discriminator = self.networks["D"]
        real_logits = discriminator(sketches, targets)
        fake_logits = discriminator(sketches, fake.detach())
        ones, zeros = torch.ones_like(real_logits), torch.zeros_like(fake_logits)
        loss = 0.5 * (F.binary_cross_entropy_with_logits(real_logits, ones)
                      + F.binary_cross_entropy_with_logits(fake_logits, zeros))
        return loss, {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                      "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean()}

    def generator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        fake, targets = self.translated(batch), batch["targets"]
        l1 = (fake - targets).abs().mean()
        reconstruction = l1 if self.reconstruction == "l1" else (fake - targets).square().mean()
        loss = self.l1_weight * reconstruction
        if self.gan_weight > 0:
            fake_logits = self.networks["D"](batch["sketches"], fake)
            adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
            loss = loss + self.gan_weight * adversarial
        return loss, {"L1": l1.detach()}

    # ---- what gets saved ------------------------------------------------------------------------------------------
    def grid_columns(self) -> int:
        return 3

    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        sketches, targets = self.fixed
        outputs = generator(sketches)
        rows = [torch.stack([s.expand(3, -1, -1), o, t]) for s, o, t in zip(sketches, outputs.float(), targets)]
        return torch.cat(rows)
