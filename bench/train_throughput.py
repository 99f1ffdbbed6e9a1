"""Training images/s of each kind at its default size and batch, on the CPU and (when present) CUDA, in fp32 and,
where the hardware has bf16 units, in bf16 (the training default there).
Usage: python -m bench.train_throughput [--steps 20] [--devices cpu,cuda]"""
from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import torch

from gan_demo.kinds.cgan import CGANConfig
from gan_demo.kinds.cyclegan import CycleGANConfig
from gan_demo.kinds.dcgan import DCGANConfig
from gan_demo.kinds.pix2pix import Pix2PixConfig
from gan_demo.kinds.srgan import SRGANConfig
from gan_demo.kinds.stylegan import StyleGANConfig
from gan_demo.registry import kind as kind_spec
from train.data import ImageData
from train.data.pairs import PairData
from train.data.photos import PhotoCrops
from train.data.unpaired import UnpairedData
from train.loop import fit
from train.options import TrainOptions
from train.precision import has_native_bf16
from train.tasks import task_class

# name -> (kind, config, batch size): the CLI defaults of each kind
SETUPS = {
    "dcgan-64 (openmoji)": ("dcgan", lambda: DCGANConfig(image_size=64, channels=3, base_width=64), 64),
    "cgan-28 (mnist)": ("cgan", lambda: CGANConfig(image_size=28, channels=1, base_width=64), 64),
    "pix2pix-128 (openmoji)": ("pix2pix", lambda: Pix2PixConfig(input_channels=1, depth=7, base_width=16,
                                                                image_size=128, norm="instance",
                                                                inference_mode="eval", disc_width=32), 8),
    "stylegan-64 (openmoji)": ("stylegan", lambda: StyleGANConfig(), 32),
    "cyclegan-64 (emoji styles)": ("cyclegan", lambda: CycleGANConfig(base_width=32, residual_blocks=6,
                                                                      image_size=64, disc_width=32), 4),
    "srgan-96 (photos)": ("srgan", lambda: SRGANConfig(), 16),
}


def synthetic_data(config, count: int):
    generator = torch.Generator().manual_seed(0)

    def pixels(*shape):
        return torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator)

    if isinstance(config, CycleGANConfig):
        return UnpairedData(pixels(count, 3, config.image_size, config.image_size),
                            pixels(count, 3, config.image_size, config.image_size))
    if isinstance(config, SRGANConfig):
        return PhotoCrops(pixels(4, 3, 400, 600), torch.tensor([[400, 600]] * 4), crops_per_epoch=count)
    if isinstance(config, Pix2PixConfig):
        size = config.image_size
        return PairData(pixels(count, 1, 1, size, size), pixels(count, 3, size, size))
    labels = torch.randint(0, 10, (count,), generator=generator) if isinstance(config, CGANConfig) else None
    return ImageData(pixels(count, config.channels, config.image_size, config.image_size), labels)


def fresh_task(kind: str, config, augment: tuple[str, ...] = ()):
    """A task with new networks for ``config``; ``augment`` is the image GANs' DiffAugment policy."""
    spec = kind_spec(kind)
    networks = (config, spec.generator_class(config), spec.discriminator_class(config))
    return task_class(kind)(*networks, **({"augment": augment} if augment else {}))


def images_per_second(name: str, device: str, precision: str, steps: int) -> float:
    kind, make_config, batch = SETUPS[name]
    config = make_config()
    data = synthetic_data(config, batch * (steps + 2))
    rates = []
    for measured_steps in (2, steps + 2):  # the difference removes start-up and checkpoint writing
        task = fresh_task(kind, config)
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            fit(task, data, TrainOptions(epochs=1, batch_size=batch, max_steps=measured_steps, device=device,
                                         precision=precision,
                                         ema_decay=task_class(kind).defaults.get("ema_decay", 0.999)), Path(out),
                show_progress=False)
            if device == "cuda":
                torch.cuda.synchronize()
            rates.append(time.perf_counter() - started)
    return steps * batch / (rates[1] - rates[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--devices", default="cpu,cuda")
    args = parser.parse_args()
    devices = [d for d in args.devices.split(",") if d == "cpu" or torch.cuda.is_available()]
    columns = [(d, p) for d in devices for p in ("fp32", "bf16") if p == "fp32" or has_native_bf16(torch.device(d))]
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    print(f"CPU: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads; GPU: {gpu}")
    print(f"{'kind':<26}" + "".join(f"{f'{d} {p} img/s':>18}" for d, p in columns))
    for name in SETUPS:
        print(f"{name:<26}" + "".join(f"{images_per_second(name, d, p, args.steps):>18.1f}" for d, p in columns))


if __name__ == "__main__":
    main()
