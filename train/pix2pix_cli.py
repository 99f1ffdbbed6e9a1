"""`python -m train pix2pix`: paired image-to-image training (U-Net G, PatchGAN D, GAN + L1 loss)."""
from __future__ import annotations

import argparse
import json
import logging

import torch

from gan_demo.models import PatchDiscriminator, Pix2PixConfig, UnetGenerator

from .loop import TrainOptions
from .pairs import STANDARD_DATASETS, download_standard, load_pairs
from .tasks import RECONSTRUCTION_LOSSES, Pix2PixTask

log = logging.getLogger(__name__)


def add_pix2pix_parser(commands, add_common_training_flags) -> None:
    sub = commands.add_parser("pix2pix", help="train a pix2pix translator from paired images", allow_abbrev=False)
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="openmoji | ALIGNED_A|B_FOLDER | FOLDER_WITH_A_AND_B")
    source.add_argument("--download", choices=STANDARD_DATASETS, help="fetch a standard pix2pix dataset")
    add_common_training_flags(sub, epochs=20, batch_size=8, lr=2e-4)
    sub.add_argument("--direction", choices=("AtoB", "BtoA"), default="AtoB")
    sub.add_argument("--image-size", type=int, default=128, help="a multiple of 2**depth")
    sub.add_argument("--depth", type=int, default=7, help="2x downsamplings of the U-Net (8 for 256 px)")
    sub.add_argument("--width", type=int, default=16, help="ngf: channels after the first convolution")
    sub.add_argument("--disc-width", type=int, default=32, help="ndf of the PatchGAN")
    sub.add_argument("--norm", choices=("batch", "instance"), default="instance")
    sub.add_argument("--no-dropout", action="store_true")
    sub.add_argument("--l1-weight", type=float, default=100.0, help="weight of the reconstruction loss")
    sub.add_argument("--reconstruction", choices=sorted(RECONSTRUCTION_LOSSES), default="l1",
                     help="l1 (the paper) or l2, the mean colour, which PSNR rewards")
    sub.add_argument("--gan-weight", type=float, default=1.0,
                     help="weight of the adversarial loss (0: no discriminator, reconstruction alone)")
    sub.add_argument("--jitter", type=float, default=1.125,
                     help="random enlargement before the crop back to size (1: none; mirroring stays on)")
    sub.add_argument("--lr-d", type=float, default=None, help="the discriminator's learning rate (default: --lr)")
    sub.add_argument("--mirror-average", action="store_true",
                     help="at inference, average with the mirrored output of the mirrored input (2x the compute)")
    sub.add_argument("--inference-mode", choices=("paper", "eval"), default=None,
                     help="paper: dropout and batch statistics at test time (default with batch norm); "
                          "eval: the usual eval mode (default with instance norm)")


def run_pix2pix(args: argparse.Namespace) -> int:
    if args.image_size % 2 ** args.depth:
        raise ValueError(f"--image-size {args.image_size} is not a multiple of 2**{args.depth}")
    if args.jitter < 1:
        raise ValueError(f"--jitter {args.jitter}: the enlargement factor must be at least 1 (1: no jitter)")
    mode = args.inference_mode or ("paper" if args.norm == "batch" else "eval")
    options = TrainOptions.from_flags(args, lr_d=args.lr_d or args.lr, ema_decay=0.0,
                                      extra={"data": args.data or args.download, "direction": args.direction,
                                             "l1_weight": args.l1_weight, "reconstruction": args.reconstruction,
                                             "gan_weight": args.gan_weight, "jitter": args.jitter})
    if args.dry_run:
        print(json.dumps({k: str(v) for k, v in vars(args).items()}, indent=2))
        return 0
    data_name = str(download_standard(args.download)) if args.download else args.data
    data = load_pairs(data_name, args.image_size, args.direction)
    log.info("data: %s", data.source)
    torch.manual_seed(args.seed)  # the initial weights depend on the seed alone
    config = Pix2PixConfig(input_channels=int(data.sketches.shape[2]), output_channels=int(data.targets.shape[1]),
                           depth=args.depth, base_width=args.width, norm=args.norm, dropout=not args.no_dropout,
                           inference_mode=mode, mirror_average=args.mirror_average, image_size=args.image_size,
                           disc_width=args.disc_width)
    task = Pix2PixTask(config, UnetGenerator(config), PatchDiscriminator(config), l1_weight=args.l1_weight,
                       gan_weight=args.gan_weight, reconstruction=args.reconstruction, jitter=args.jitter)
    from .cli import train_and_publish

    train_and_publish(args, task, data, options)
    return 0
