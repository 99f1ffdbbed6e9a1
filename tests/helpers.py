"""Tiny real checkpoints and data for tests (modules with fixed seeds, saved the way training saves them), and the
app launched the way app.py launches it."""
import contextlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gan_demo.checkpoints import save_checkpoint
from gan_demo.kinds.cgan import CGANConfig
from gan_demo.kinds.dcgan import DCGANConfig
from gan_demo.kinds.pix2pix import Pix2PixConfig
from gan_demo.registry import kind as kind_spec
from train.data import ImageData

TINY_CONFIGS = {
    "dcgan": lambda: DCGANConfig(image_size=32, channels=3, base_width=8),
    "cgan": lambda: CGANConfig(image_size=28, channels=1, base_width=8, embed_dim=8),
    "pix2pix": lambda: Pix2PixConfig(input_channels=1, depth=5, base_width=4, image_size=32, norm="instance",
                                     inference_mode="eval", disc_width=4),
}


def make_checkpoint(folder: Path, kind: str, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    config = TINY_CONFIGS[kind]()
    spec = kind_spec(kind)
    save_checkpoint(folder, kind, config, spec.generator_class(config).eval(),
                    spec.discriminator_class(config).eval(), {"class_names": getattr(config, "class_names", [])})
    return folder


def tiny_images(n: int, channels: int, size: int, classes: int = 0, seed: int = 0) -> ImageData:
    """``n`` random uint8 images (and labels 0..classes-1 when ``classes``)."""
    rng = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, channels, size, size), generator=rng, dtype=torch.uint8)
    labels = torch.arange(n) % classes if classes else None
    return ImageData(images, labels, [str(i) for i in range(classes)], source="random test images")


@contextlib.contextmanager
def launched_app(**launch_options):
    """(demo, url) of the app with the shipped models, served on 127.0.0.1 for the length of the block."""
    from gan_demo.ui import LAUNCH_OPTIONS, QUEUE_OPTIONS, build_demo

    demo = build_demo()
    demo.queue(**QUEUE_OPTIONS)
    _, url, _ = demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True,
                            **launch_options, **LAUNCH_OPTIONS)
    try:
        yield demo, url
    finally:
        demo.close()


def make_aligned_dataset(root: Path, count: int = 6, size: int = 32) -> Path:
    """The standard pix2pix layout: NAME/train/*.jpg, each A|B side by side."""
    rng = np.random.default_rng(1)
    for split in ("train", "val"):
        (root / split).mkdir(parents=True)
        for i in range(count):
            a = rng.integers(0, 255, (size, size, 3), dtype=np.uint8)
            Image.fromarray(np.concatenate([a, 255 - a], axis=1)).save(root / split / f"{i}.jpg")
    return root
