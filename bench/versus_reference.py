"""DCGAN-64 training, side by side with pytorch/examples' dcgan/main.py on the same 64x64 RGB images: each
process timed from start to the end of one epoch (start-up, data loading and the checkpoint included).

The reference script is not part of this project; pass its path (a checkout of github.com/pytorch/examples):
    python -m bench.versus_reference --reference ~/examples/dcgan/main.py [--images 1280]
The images are OpenMoji emoji rendered at 64 px (the project's OpenMoji train split), written as PNG files in
the folder layout both programs read (torchvision's ImageFolder wants one class folder)."""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


def write_images(folder: Path, count: int) -> None:
    from train.data import load_openmoji

    images = load_openmoji(64).images[:count]
    if len(images) < count:
        raise SystemExit(f"only {len(images)} OpenMoji images available")
    (folder / "emoji").mkdir(parents=True)
    for index, image in enumerate(images):
        Image.fromarray(image.permute(1, 2, 0).numpy()).save(folder / "emoji" / f"{index:05d}.png")


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, required=True, help="pytorch/examples dcgan/main.py")
    parser.add_argument("--images", type=int, default=1280, help="images in the epoch (a multiple of 64)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (the reference gets --accel on cuda)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        write_images(scratch / "images", args.images)
        reference = [sys.executable, str(args.reference.resolve()), "--dataset", "folder", "--dataroot",
                     str(scratch / "images"), "--niter", "1", "--batchSize", "64", "--imageSize", "64",
                     "--outf", str(scratch / "reference"), "--manualSeed", "0"]
        reference += ["--accel"] if args.device == "cuda" else []
        ours = [sys.executable, "-m", "train", "dcgan", "--data", str(scratch / "images"), "--image-size", "64",
                "--epochs", "1", "--batch-size", "64", "--width", "64", "--device", args.device,
                "--out", str(scratch / "ours"), "--quiet"]
        (scratch / "reference").mkdir()
        results = {"pytorch/examples dcgan/main.py": timed(reference, scratch),
                   "GAN Playground python -m train dcgan": timed(ours, ROOT)}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, device {args.device}; "
          f"{args.images} images of 64x64 RGB, batch 64, one epoch, whole process")
    for name, seconds in results.items():
        print(f"{name:<40}{seconds:>8.1f} s {args.images / seconds:>8.1f} images/s")
    reference_seconds, our_seconds = results.values()
    print(f"speed-up: {reference_seconds / our_seconds:.2f}x")


if __name__ == "__main__":
    main()
