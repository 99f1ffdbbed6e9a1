"""`python -m train dcgan|cgan`: build the task from the flags, train it, optionally push it."""
from __future__ import annotations

import argparse
import json
import logging

import torch

from gan_demo.models import MODEL_KINDS

from .augment import parse_policy
from .data import load_image_data
from .loop import TrainOptions
from .tasks import ImageGANTask

log = logging.getLogger(__name__)


def default_augment(data_name: str) -> str:
    """Digits are not recoloured (colour jitter on greyscale only shifts brightness); colour data is."""
    return "translation,cutout" if data_name in ("mnist", "fashion-mnist") else "color,translation,cutout"


def build_image_task(args: argparse.Namespace, data) -> ImageGANTask:
    config_class, generator_class, discriminator_class = MODEL_KINDS[args.command]
    fields = dict(latent_dim=100, channels=data.image_shape[0], image_size=args.image_size,
                  base_width=args.width)
    if args.command == "cgan":
        if data.labels is None:
            raise ValueError(f"--data {args.data}: a conditional GAN needs labelled data (mnist, fashion-mnist)")
        fields.update(num_classes=len(data.class_names), class_names=data.class_names,
                      embed_dim=args.embed_dim, label_input=args.label_input,
                      auxiliary_classifier=args.auxiliary_weight > 0)
    config = config_class(**fields)
    return ImageGANTask(args.command, config, generator_class(config), discriminator_class(config),
                        augment=parse_policy(args.augment), mode_seeking=getattr(args, "mode_seeking", 0.0),
                        auxiliary_weight=getattr(args, "auxiliary_weight", 0.0))


def run_image_gan(args: argparse.Namespace) -> int:
    args.image_size = args.image_size or (28 if args.data in ("mnist", "fashion-mnist") else 64)
    args.augment = args.augment if args.augment is not None else default_augment(args.data)
    parse_policy(args.augment)  # a typo fails before the data is loaded
    options = TrainOptions.from_flags(args, ema_decay=args.ema_decay,
                                      extra={"data": args.data, "augment": args.augment})
    if args.dry_run:
        print(json.dumps({k: str(v) for k, v in vars(args).items()}, indent=2))
        return 0
    data = load_image_data(args.data, args.image_size, args.channels)
    log.info("data: %s — %d images of %s", data.source, len(data), data.image_shape)
    torch.manual_seed(args.seed)  # the initial weights depend on the seed alone
    task = build_image_task(args, data)
    from .cli import train_and_publish

    train_and_publish(args, task, data, options)
    return 0
