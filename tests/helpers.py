"""Tiny real checkpoints for tests: modules with fixed seeds, saved the way training saves them."""
from pathlib import Path

import torch

from gan_demo.checkpoints import save_checkpoint
from gan_demo.models import MODEL_KINDS, CGANConfig, DCGANConfig, Pix2PixConfig

TINY_CONFIGS = {
    "dcgan": lambda: DCGANConfig(image_size=32, channels=3, base_width=8),
    "cgan": lambda: CGANConfig(image_size=28, channels=1, base_width=8, embed_dim=8),
    "pix2pix": lambda: Pix2PixConfig(input_channels=1, depth=5, base_width=4, image_size=32, norm="instance",
                                     inference_mode="eval", disc_width=4),
}


def make_checkpoint(folder: Path, kind: str, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    config = TINY_CONFIGS[kind]()
    _, generator_class, discriminator_class = MODEL_KINDS[kind]
    save_checkpoint(folder, kind, config, generator_class(config).eval(), discriminator_class(config).eval(),
                    {"class_names": getattr(config, "class_names", [])})
    return folder
