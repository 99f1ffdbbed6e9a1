"""4x photo super-resolution (Ledig et al. 2017): SRResNet G, SRGAN D, content loss + adversarial loss.

Each step cuts a batch of random high-resolution crops from the photos on the training device and makes their
inputs by bicubic downscaling. Phases: "D" (real crops vs. upscaled ones) when the adversarial term is on, then
"G" (content loss, plus fooling D with D's weights frozen).

The recipe is two runs and a blend, as in ESRGAN (Wang et al. 2018): ``--adversarial-weight 0`` trains the
PSNR-oriented SRResNet by the content loss alone (no D); ``--init-from`` that run with a mild adversarial weight
trains the GAN model from it; ``python -m train.tools.srgan_metrics sr-interpolate`` blends their weights to choose
between PSNR and sharpness. The paper's content loss compares VGG19 features (``--content vgg19``, torchvision's
ImageNet weights, downloaded once); offline ``--content l1`` compares pixels.

A cheaper architecture can then learn to draw what a trained model draws (knowledge distillation): ``--teacher``
makes that model's output, not the truth, the content loss's target, ``--init-from`` it with a narrower
``--upsample-width`` carries over its trunk (the upsampler starts anew), and ``--freeze-trunk`` trains only the
upsampler, whose layers at 2x and 4x the input's resolution cost the most at inference.
"""
from __future__ import annotations

import argparse
import functools
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_demo.checkpoints import load_generator, read_config
from gan_demo.kinds.srgan import SPEC as SRGAN

from ..data.photos import CROPS_PER_EPOCH, bicubic_downscale, crop_batch, load_photos
from ..errors import UsageError
from ..run_files import distinct_stages, lineage
from .base import Phase, Task, to_unit_range

CONTENT_LOSSES = ("l1", "vgg19")
ARCHITECTURE = {"scale": 4, "width": 64, "blocks": 16, "batch_norm": False}  # defaults of the flags below
VGG_RELU5_4 = 36  # torchvision's vgg19().features[:36] ends at relu5_4: the paper's VGG54
VGG_RESCALE = 1 / 12.75  # the paper's rescaling of the VGG feature maps
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class SRGANTask(Task):
    kind = SRGAN.name
    help = "train a 4x photo super-resolution model (SRResNet / SRGAN)"
    defaults = {"epochs": 6, "batch_size": 16, "lr": 2e-4}

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module | None, content: str = "l1",
                 adversarial_weight: float = 1e-3, teacher: nn.Module | None = None):
        if content not in CONTENT_LOSSES:
            raise ValueError(f"content loss must be one of {CONTENT_LOSSES}")
        if adversarial_weight > 0 and discriminator is None:
            raise ValueError("an adversarial weight above 0 needs a discriminator")
        networks = {"G": generator, **({"D": discriminator} if adversarial_weight > 0 else {})}
        super().__init__(config, networks)
        self.content, self.adversarial_weight = content, adversarial_weight
        self.vgg = vgg19_features() if content == "vgg19" else None
        self.teacher = None if teacher is None else teacher.eval().requires_grad_(False)
        self.fixed: tuple[torch.Tensor, torch.Tensor] | None = None

    # ---- the command line -------------------------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--data", default="photos",
                            help="photos (Debian's wallpaper photographs, or their cache file) | IMAGE_FOLDER")
        parser.add_argument("--crop-size", type=int, default=96, help="high-resolution crop side (a multiple of 4)")
        parser.add_argument("--crops-per-epoch", type=int, default=CROPS_PER_EPOCH,
                            help="random crops per epoch (a checkpoint at each epoch's end, unless --save-every)")
        parser.add_argument("--content", choices=CONTENT_LOSSES, default="l1",
                            help="l1: pixels; vgg19: the paper's VGG19 feature loss (torchvision's weights)")
        parser.add_argument("--adversarial-weight", type=float, default=1e-3,
                            help="weight of the adversarial loss (0: the PSNR model, no discriminator trained)")
        parser.add_argument("--init-from", type=Path, metavar="RUN_FOLDER",
                            help="start G from a trained srgan folder (its architecture is kept; with another "
                                 "--upsample-width, only its trunk)")
        parser.add_argument("--teacher", type=Path, metavar="RUN_FOLDER",
                            help="distil: the content loss compares G's output with this trained srgan model's, "
                                 "not with the truth")
        parser.add_argument("--freeze-trunk", action="store_true",
                            help="train only the upsampler and the tail (with --init-from: refit them to its trunk)")
        architecture = parser.add_argument_group("architecture (default: --init-from's, else the SRResNet paper's)")
        architecture.add_argument("--scale", type=int, choices=(2, 4, 8), default=None, help="default 4")
        architecture.add_argument("--width", type=int, default=None, help="residual trunk channels (default 64)")
        architecture.add_argument("--blocks", type=int, default=None, help="residual blocks (default 16)")
        architecture.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None,
                                  help="the paper's batch norm in the residual blocks (default off, as ESRGAN)")
        architecture.add_argument("--upsample-width", type=int, default=None,
                                  help="channels of the x2 stages and the tail (default: the trunk's)")
        parser.add_argument("--disc-width", type=int, default=None, help="channels of D's first layer (default 64)")

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        if args.adversarial_weight < 0:
            raise UsageError(f"--adversarial-weight {args.adversarial_weight}: must be at least 0")
        if not args.adversarial_weight:
            named = [flag for flag, value in (("--lr-d", args.lr_d), ("--disc-width", args.disc_width)) if value]
            if named:
                raise UsageError(f"{' and '.join(named)} with --adversarial-weight 0: no discriminator is trained")
        if args.freeze_trunk and not args.init_from:
            raise UsageError("--freeze-trunk needs --init-from: an untrained trunk would stay random")
        if args.teacher is not None:
            check_srgan_folder(args.teacher, "--teacher")
        if args.crops_per_epoch < args.batch_size:
            raise UsageError(f"--crops-per-epoch {args.crops_per_epoch} is less than one batch of {args.batch_size}")
        resolve_architecture(args)
        if args.crop_size % args.scale or args.crop_size < 4 * args.scale:
            raise UsageError(f"--crop-size {args.crop_size}: must be a multiple of the scale {args.scale} and at "
                             f"least {4 * args.scale}")
        args.disc_width = args.disc_width or 64
        if args.content == "vgg19":
            vgg19_features()  # fails now, with a UsageError, when the weights cannot be had

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        return {"betas": (0.9, 0.999),
                "extra": {"data": args.data, "crop_size": args.crop_size, "content": args.content,
                          "adversarial_weight": args.adversarial_weight,
                          "init_from": str(args.init_from) if args.init_from else None,
                          "teacher": str(args.teacher) if args.teacher else None,
                          "freeze_trunk": args.freeze_trunk}}

    @classmethod
    def load_data(cls, args: argparse.Namespace):
        return load_photos(args.data, args.crop_size, args.crops_per_epoch)

    @classmethod
    def from_args(cls, args: argparse.Namespace, data) -> "SRGANTask":
        config = SRGAN.config_class(channels=3, scale=args.scale, width=args.width, blocks=args.blocks,
                                    batch_norm=args.batch_norm, image_size=args.crop_size, disc_width=args.disc_width,
                                    upsample_width=args.upsample_width)
        generator = SRGAN.generator_class(config)
        earlier_stages = []
        if args.init_from and not args.resume:  # a resumed run's own state holds the weights
            payload, trained = load_generator(args.init_from)
            same_upsampler = trained.config.upsampler_channels == config.upsampler_channels
            for part in ("head", "trunk", "upsample", "tail") if same_upsampler else ("head", "trunk"):
                getattr(generator, part).load_state_dict(getattr(trained, part).state_dict())
            earlier_stages = lineage(payload, "starting weights")
        if args.freeze_trunk:
            generator.head.requires_grad_(False)
            generator.trunk.requires_grad_(False)
        teacher = None
        if args.teacher:
            payload, teacher = load_generator(args.teacher)
            if teacher.config.scale != config.scale:
                raise UsageError(f"--teacher {args.teacher} upscales {teacher.config.scale}x, not {config.scale}x")
            if earlier_stages and Path(args.teacher).resolve() == Path(args.init_from).resolve():
                earlier_stages[-1]["role"] = "starting weights and teacher"
            else:
                earlier_stages = distinct_stages(earlier_stages + lineage(payload, "teacher"))
        discriminator = SRGAN.discriminator_class(config) if args.adversarial_weight > 0 else None
        task = cls(config, generator, discriminator, content=args.content, adversarial_weight=args.adversarial_weight,
                   teacher=teacher)
        task.earlier_stages = earlier_stages
        return task

    # ---- a training step ----------------------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        generator_phase = Phase("G", optimizer="G", frozen=("D",) if self.adversarial_weight > 0 else ())
        return [Phase("D", optimizer="D"), generator_phase] if self.adversarial_weight > 0 else [generator_phase]

    def prepare(self, data) -> None:
        """A centred crop of each of the first 4 photos for the sample grid: bicubic | output | truth."""
        size, crops = self.config.image_size, []
        for index in range(min(4, len(data.photos))):
            height, width = data.sizes[index].tolist()
            top, left = (height - size) // 2, (width - size) // 2
            crops.append(data.photos[index, :, top:top + size, left:left + size])
        truth = to_unit_range(torch.stack(crops))
        self.fixed = (bicubic_downscale(truth, self.config.scale), truth)

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        truth = to_unit_range(crop_batch(data, len(indices), self.config.image_size))
        small = bicubic_downscale(truth, self.config.scale)
        batch = {"small": small, "truth": truth}
        if self.teacher is not None:
            with torch.no_grad():
                batch["target"] = self.teacher.to(small.device).infer(small).float().clamp(-1, 1)
        return batch

    def upscaled(self, batch: dict) -> torch.Tensor:
        """G's output for the batch, computed once for the D and the G phase."""
        if "fake" not in batch:
            batch["fake"] = self.generator(batch["small"])
        return batch["fake"]

    def loss(self, phase: str, batch: dict) -> tuple[torch.Tensor, dict]:
        return self.discriminator_loss(batch) if phase == "D" else self.generator_loss(batch)

    def discriminator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        discriminator = self.networks["D"]
        real_logits = discriminator(batch["truth"])
        fake_logits = discriminator(self.upscaled(batch).detach())
        loss = 0.5 * (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                      + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        return loss, {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                      "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean()}

    def generator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        fake, truth = self.upscaled(batch), batch["truth"]
        target = batch.get("target", truth)
        error = (fake.float() - truth).abs()
        loss = (fake.float() - target).abs().mean() if self.content == "l1" else self.vgg_loss(fake, target)
        if self.adversarial_weight > 0:
            logits = self.networks["D"](fake)
            loss = loss + self.adversarial_weight * F.binary_cross_entropy_with_logits(logits,
                                                                                       torch.ones_like(logits))
        mse = error.detach().div(2).square().mean()  # on [0, 1] pixels
        return loss, {"L1": error.detach().mean(), "PSNR": -10 * torch.log10(mse.clamp(min=1e-10))}

    def vgg_loss(self, fake: torch.Tensor, truth: torch.Tensor) -> torch.Tensor:
        """MSE between the paper's rescaled VGG54 feature maps of the output and of the truth."""
        vgg = self.vgg.to(fake.device)
        mean = torch.tensor(IMAGENET_MEAN, device=fake.device).view(1, 3, 1, 1)
        std = torch.tensor(IMAGENET_STD, device=fake.device).view(1, 3, 1, 1)

        def features(images: torch.Tensor) -> torch.Tensor:
            return vgg((images.add(1).div(2) - mean) / std) * VGG_RESCALE
        with torch.no_grad():
            target = features(truth)
        return F.mse_loss(features(fake).float(), target.float())

    # ---- what gets saved ------------------------------------------------------------------------------------------
    def grid_columns(self) -> int:
        return 3

    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        small, truth = self.fixed
        bicubic = F.interpolate(small, scale_factor=self.config.scale, mode="bicubic", align_corners=False)
        outputs = generator(small).float().clamp(-1, 1)
        return torch.cat([torch.stack([b, o, t]) for b, o, t in zip(bicubic.clamp(-1, 1), outputs, truth)])


def resolve_architecture(args: argparse.Namespace) -> None:
    """Fill the architecture flags from --init-from's config (a flag that contradicts it is a UsageError; the
    upsampler's width may differ), else from the paper's defaults."""
    if args.init_from is None:
        for key, default in {**ARCHITECTURE, "upsample_width": 0}.items():
            if getattr(args, key) is None:
                setattr(args, key, default)
        return
    payload = check_srgan_folder(args.init_from, "--init-from")
    if args.upsample_width is None:
        args.upsample_width = payload["model"].get("upsample_width", 0)
    for key in ARCHITECTURE:
        saved, given = payload["model"][key], getattr(args, key)
        if given is not None and given != saved:
            raise UsageError(f"--{key.replace('_', '-')} {given}: --init-from {args.init_from} has {saved}")
        setattr(args, key, saved)


def check_srgan_folder(folder: Path, flag: str) -> dict:
    """The config of a trained srgan run folder; a UsageError naming ``flag`` for anything else."""
    if not Path(folder).is_dir():
        raise UsageError(f"{flag} {folder}: no such run folder")
    payload = read_config(folder)
    if payload["kind"] != SRGAN.name:
        raise UsageError(f"{flag} {folder}: a {payload['kind']} checkpoint, not an srgan one")
    return payload


@functools.lru_cache(maxsize=1)
def vgg19_features() -> nn.Module:
    """torchvision's ImageNet VGG19 up to relu5_4, frozen in eval mode (downloaded once into torch's hub cache)."""
    from torchvision.models import VGG19_Weights, vgg19

    try:
        model = vgg19(weights=VGG19_Weights.IMAGENET1K_V1)
    except (OSError, RuntimeError, ValueError) as error:  # offline: URLError is an OSError
        raise UsageError(f"--content vgg19 needs torchvision's VGG19 ImageNet weights (548 MB, downloaded once into "
                         f"{torch.hub.get_dir()}), which could not be had ({type(error).__name__}: {error}); "
                         "offline, use --content l1") from None
    return model.features[:VGG_RELU5_4].eval().requires_grad_(False)
