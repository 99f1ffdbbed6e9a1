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

import torch
from PIL import Image

from train.precision import Precision

ROOT = Path(__file__).resolve().parent.parent


def write_images(folder: Path, count: int) -> None:
    from train.data.openmoji import load_openmoji

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
                "--epochs", "1", "--batch-size", "64", "--width", "64", "--device", args.device, "--quiet"]
        (scratch / "reference").mkdir()
        reference_seconds = timed(reference, scratch)
        ours_by_precision = {precision: timed(ours + ["--precision", precision, "--out",
                                                      str(scratch / f"ours-{precision}")], ROOT)
                             for precision in ("auto", "fp32")}
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, device {args.device}; "
          f"{args.images} images of 64x64 RGB, batch 64, one epoch, whole process")
    print(f"{'pytorch/examples dcgan/main.py':<48}{reference_seconds:>8.1f} s "
          f"{args.images / reference_seconds:>8.1f} images/s")
    auto_description = Precision.choose(torch.device(args.device)).describe()
    for precision, seconds in ours_by_precision.items():
        name = f"python -m train dcgan --precision {precision}"
        print(f"{name:<48}{seconds:>8.1f} s {args.images / seconds:>8.1f} images/s "
              f"{reference_seconds / seconds:>6.2f}x" + (f"  ({auto_description})" if precision == "auto" else ""))


if __name__ == "__main__":
    main()
