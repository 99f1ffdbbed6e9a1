"""Paired image-to-image translation (Isola et al. 2017): U-Net G, PatchGAN D, GAN + reconstruction loss.

Phases: "D" (real pairs vs. translated pairs) when the adversarial term is on, then "G" (reconstruction, plus
fooling D with D's weights frozen). ``--gan-weight 0`` trains G by the reconstruction loss alone (the paper's
"L1 only" row), which scores best on PSNR at a fraction of the cost; ``--reconstruction l2`` regresses the mean
colour instead of the median, which is what PSNR rewards.

``--output-mode palette`` classifies each pixel over OpenMoji's fill palette instead (Zhang et al. 2016): a
cross-entropy against each target pixel's nearest palette colour, classes re-weighted towards the rare ones by
``--rebalance``, so a shape whose colour the outline cannot tell gets one plausible colour, not the mean of them.
``--stroke-augment`` trains on line art made to look hand-drawn (``train.stroke_augment``).
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

import gan_demo
from gan_demo.kinds.pix2pix import OUTPUT_MODES, palette_tensor
from gan_demo.kinds.pix2pix import SPEC as PIX2PIX

from ..data.pairs import STANDARD_DATASETS, download_standard, load_pairs
from ..errors import UsageError
from ..run_files import lineage
from ..stroke_augment import augment_strokes
from ..tools.emoji_metrics import fill_palette
from .base import Phase, Task, to_unit_range

RECONSTRUCTION_LOSSES = ("l1", "l2")
WHITE, LINE_BLACK = "#FFFFFF", "#000000"


def openmoji_palette() -> list[str]:
    """OpenMoji's fill palette (the training split's fills used at least 20 times, as the palette score counts
    them, so the model learns the colours it is scored on) plus paper white and the line black."""
    fills = ["#" + "".join(f"{int(v):02X}" for v in colour) for colour in fill_palette()]
    return fills + [c for c in (WHITE, LINE_BLACK) if c not in fills]


def nearest_colour(images: torch.Tensor, colours: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) and (K, 3), both in [-1, 1] -> (N, H, W) the index of each pixel's nearest colour."""
    distances = (images.float()[:, None] - colours[None, :, :, None, None]).square().sum(2)
    return distances.argmin(1)


def start_from(generator: nn.Module, name: str) -> dict:
    """Copy a trained pix2pix generator's weights into ``generator``, all but the final layer when its shape
    differs (a palette head on an RGB model): fine-tuning reuses what the U-Net learned about line art. Returns
    the source's config.json payload."""
    model = gan_demo.load(name)
    source = model.module.float().state_dict()
    target = generator.state_dict()
    final = {k for k in target if k.startswith("model.model.3.")}
    mismatched = [k for k in target if k not in source or (source[k].shape != target[k].shape and k not in final)]
    if mismatched:
        raise UsageError(f"--init-from {name}: not a pix2pix U-Net of this depth and width ({mismatched[0]})")
    generator.load_state_dict({k: source[k] if source[k].shape == v.shape else v for k, v in target.items()})
    return model.payload


def class_weights(counts: torch.Tensor, rebalance: float) -> torch.Tensor:
    """Zhang et al.'s rebalancing: weights ~ 1 / ((1 - r) / K + r p) for class frequencies p, scaled so the
    expected weight of a pixel is 1; r = 0 weighs every pixel alike, r = 1 every class alike."""
    frequency = counts.double() / counts.sum()
    weights = 1 / ((1 - rebalance) / len(counts) + rebalance * frequency)
    return (weights / (weights * frequency).sum()).float()


def zoomed(images: torch.Tensor, zoom: float) -> torch.Tensor:
    """(N, C, S, S) in [-1, 1] on white paper, each scaled about its centre by its own factor between 1 / ``zoom``
    and ``zoom`` (log-uniform) and shifted by up to a tenth of its scaled size; what comes into view is white.
    Bilinear: a palette target's edge pixels blend two colours, and the nearest palette colour names them."""
    n = len(images)
    scale = zoom ** (torch.rand(n) * 2 - 1)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / scale
    theta[:, :, 2] = (torch.rand(n, 2) * 2 - 1) * 0.2  # grid units: the image spans [-1, 1]
    grid = F.affine_grid(theta.to(images), list(images.shape), align_corners=False)
    # sampled as the difference from white, so the zero padding outside the image is paper
    return F.grid_sample(images - 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 1


class Pix2PixTask(Task):
    kind = PIX2PIX.name
    help = "train a pix2pix translator from paired images"
    defaults = {"epochs": 20, "batch_size": 8, "lr": 2e-4}

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module, l1_weight: float = 100.0,
                 jitter: float = 1.125, gan_weight: float = 1.0, reconstruction: str = "l1",
                 rebalance: float = 0.5, stroke_augment: bool = False, zoom: float = 1.0):
        if reconstruction not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"reconstruction loss must be one of {RECONSTRUCTION_LOSSES}")
        if not 0 <= rebalance <= 1:
            raise ValueError(f"rebalance must be in [0, 1], got {rebalance}")
        super().__init__(config, {"G": generator, "D": discriminator})
        self.l1_weight, self.jitter, self.zoom, self.gan_weight = l1_weight, jitter, zoom, gan_weight
        self.reconstruction, self.rebalance, self.stroke_augment = reconstruction, rebalance, stroke_augment
        self.fixed: tuple[torch.Tensor, torch.Tensor] | None = None
        self.weights: torch.Tensor | None = None  # palette mode: the cross-entropy's class weights

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
        parser.add_argument("--output-mode", choices=OUTPUT_MODES, default="rgb",
                            help="rgb: regress colours; palette: classify each pixel over OpenMoji's fill palette "
                                 "(openmoji data only)")
        parser.add_argument("--rebalance", type=float, default=0.5,
                            help="palette mode: class rebalancing of the cross-entropy, 0 (none) to 1 (every colour "
                                 "alike; Zhang et al. use 0.5)")
        parser.add_argument("--temperature", type=float, default=PIX2PIX.config_class.temperature,
                            help="palette mode: the annealed mean's temperature at inference (0: the most likely "
                                 "colour)")
        parser.add_argument("--region-fill", action=argparse.BooleanOptionalAction, default=False,
                            help="palette mode: at inference, fill each region the ink encloses with its likeliest "
                                 "colour instead of the annealed mean per pixel")
        parser.add_argument("--init-from", metavar="MODEL",
                            help="start G from this pix2pix model's weights (a shipped name or folder of the same "
                                 "depth and width); a layer whose shape differs, as the last one in palette mode, "
                                 "starts fresh")
        parser.add_argument("--stroke-augment", action=argparse.BooleanOptionalAction, default=False,
                            help="train on line art with random wobble, pen width, gaps and overshoots")
        parser.add_argument("--gan-weight", type=float, default=1.0,
                            help="weight of the adversarial loss (0: no discriminator, reconstruction alone)")
        parser.add_argument("--jitter", type=float, default=1.125,
                            help="random enlargement before the crop back to size (1: none; mirroring stays on)")
        parser.add_argument("--zoom", type=float, default=1.0,
                            help="random scale of each pair between 1/ZOOM and ZOOM, shifted by up to a tenth of its "
                                 "scaled size, on white paper (1: none), so colours follow shapes, not their size or "
                                 "place")
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
        if args.zoom < 1:
            raise UsageError(f"--zoom {args.zoom}: the largest scale factor must be at least 1 (1: no zoom)")
        if args.gan_weight < 0 or args.l1_weight < 0 or args.gan_weight == args.l1_weight == 0:
            raise UsageError("--gan-weight and --l1-weight must be at least 0, and not both 0")
        if not args.gan_weight:
            named = [flag for flag, value in (("--lr-d", args.lr_d), ("--disc-width", args.disc_width)) if value]
            if named:
                raise UsageError(f"{' and '.join(named)} with --gan-weight 0: no discriminator is trained")
        if args.output_mode == "palette" and args.data != "openmoji":
            raise UsageError("--output-mode palette: the palette is OpenMoji's; use it with --data openmoji")
        if args.region_fill and args.output_mode != "palette":
            raise UsageError("--region-fill chooses among the palette's colours: use it with --output-mode palette")
        if not 0 <= args.rebalance <= 1:
            raise UsageError(f"--rebalance {args.rebalance}: must be in [0, 1]")
        if args.direction and args.data == "openmoji":
            raise UsageError("--direction with --data openmoji: its pairs are always line art -> colour")
        args.direction = args.direction or "AtoB"
        args.disc_width = args.disc_width or 32
        args.inference_mode = args.inference_mode or ("paper" if args.norm == "batch" else "eval")

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        return {"ema_decay": 0.0,
                "extra": {"data": args.data or args.download, "direction": args.direction,
                          "l1_weight": args.l1_weight, "reconstruction": args.reconstruction,
                          "gan_weight": args.gan_weight, "jitter": args.jitter, "zoom": args.zoom,
                          "output_mode": args.output_mode,
                          "rebalance": args.rebalance, "stroke_augment": args.stroke_augment,
                          "init_from": args.init_from}}

    @classmethod
    def load_data(cls, args: argparse.Namespace):
        name = str(download_standard(args.download)) if args.download else args.data
        return load_pairs(name, args.image_size, args.direction)

    @classmethod
    def from_args(cls, args: argparse.Namespace, data) -> "Pix2PixTask":
        config = PIX2PIX.config_class(
            input_channels=int(data.sketches.shape[2]), output_channels=int(data.targets.shape[1]), depth=args.depth,
            base_width=args.width, norm=args.norm, dropout=not args.no_dropout, inference_mode=args.inference_mode,
            mirror_average=args.mirror_average, image_size=args.image_size, disc_width=args.disc_width,
            output_mode=args.output_mode, temperature=args.temperature, region_fill=args.region_fill,
            palette=openmoji_palette() if args.output_mode == "palette" else [])
        generator = PIX2PIX.generator_class(config)
        task = cls(config, generator, PIX2PIX.discriminator_class(config),
                   l1_weight=args.l1_weight, gan_weight=args.gan_weight, reconstruction=args.reconstruction,
                   jitter=args.jitter, rebalance=args.rebalance, stroke_augment=args.stroke_augment, zoom=args.zoom)
        if args.init_from and not args.resume:  # a resumed run's own state holds the weights
            task.earlier_stages = lineage(start_from(generator, args.init_from), "starting weights")
        return task

    # ---- a training step ----------------------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        generator_phase = Phase("G", optimizer="G", frozen=("D",))
        return [Phase("D", optimizer="D"), generator_phase] if self.gan_weight > 0 else [generator_phase]

    @property
    def palette_mode(self) -> bool:
        return self.config.output_mode == "palette"

    def prepare(self, data) -> None:
        """Eight training pairs (first stroke variant) for the sample grid: sketch | output | target; in palette
        mode the class weights, from how often each colour is the nearest to a training pixel (the config keeps
        them)."""
        picks = torch.linspace(0, len(data) - 1, 8).long().to(data.targets.device)
        self.fixed = (to_unit_range(data.sketches[picks, 0]), to_unit_range(data.targets[picks]))
        if self.palette_mode:
            colours = palette_tensor(self.config.palette).to(data.targets.device)
            counts = sum(torch.bincount(nearest_colour(to_unit_range(chunk), colours).flatten(),
                                        minlength=len(colours)) for chunk in data.targets.split(64))
            self.weights = class_weights(counts, self.rebalance)
            # saved with the model, whose region fill divides them out on the ink (Pix2PixConfig.class_weights)
            self.config.class_weights = [round(float(w), 4) for w in self.weights]
            self.generator.class_weights = torch.tensor(self.config.class_weights, device=self.weights.device)

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        variant = torch.randint(0, data.sketches.shape[1], (len(indices),), device=indices.device)
        sketches = to_unit_range(data.sketches[indices, variant])
        targets = to_unit_range(data.targets[indices])
        if self.stroke_augment:
            sketches, targets = augment_strokes(sketches, targets)
        sketches, targets = self.jitter_pair(sketches, targets)
        return {"sketches": sketches, "targets": targets}

    def jitter_pair(self, sketches: torch.Tensor, targets: torch.Tensor):
        """The same random enlargement-and-crop, zoom and mirroring for both images of a pair."""
        size = sketches.shape[-1]
        big = round(size * self.jitter)
        pair = torch.cat([sketches, targets], dim=1)
        if big > size:
            pair = F.interpolate(pair, size=(big, big), mode="bilinear", align_corners=False)
            tops = torch.randint(0, big - size + 1, (len(pair),)).tolist()
            lefts = torch.randint(0, big - size + 1, (len(pair),)).tolist()
            pair = torch.stack([p[:, top:top + size, left:left + size] for p, top, left in zip(pair, tops, lefts)])
        if self.zoom > 1:
            pair = zoomed(pair, self.zoom)
        flip = torch.rand(len(pair), device=pair.device) < 0.5
        pair = torch.where(flip[:, None, None, None], pair.flip(-1), pair)
        return pair[:, :sketches.shape[1]].contiguous(), pair[:, sketches.shape[1]:].contiguous()

    def translated(self, batch: dict) -> torch.Tensor:
        """G's output for the batch (RGB), computed once for the D and the G phase; palette logits kept too."""
        if "fake" not in batch:
            if self.palette_mode:
                batch["logits"] = self.generator.logits(batch["sketches"])
                batch["fake"] = self.generator.decode(batch["logits"])
            else:
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
        loss = self.l1_weight * self.reconstruction_loss(batch)
        if self.gan_weight > 0:
            fake_logits = self.networks["D"](batch["sketches"], fake)
            adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
            loss = loss + self.gan_weight * adversarial
        return loss, {"L1": l1.detach()}

    def reconstruction_loss(self, batch: dict) -> torch.Tensor:
        """L1 or L2 to the target colours, or in palette mode the cross-entropy to their nearest palette colours."""
        fake, targets = batch["fake"], batch["targets"]
        if self.palette_mode:
            classes = nearest_colour(targets, self.generator.colours.float())
            return F.cross_entropy(batch["logits"].float(), classes, weight=self.weights.to(targets.device))
        return (fake - targets).abs().mean() if self.reconstruction == "l1" else (fake - targets).square().mean()

    # ---- what gets saved ------------------------------------------------------------------------------------------
    def grid_columns(self) -> int:
        return 3

    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        sketches, targets = self.fixed
        outputs = generator(sketches)
        rows = [torch.stack([s.expand(3, -1, -1), o, t]) for s, o, t in zip(sketches, outputs.float(), targets)]
        return torch.cat(rows)
