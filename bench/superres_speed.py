"""Seconds per 4x upscale of a photo by photo-srresnet, before and after the CPU speed-ups, in one run.

"Before" is the code as it was: the network's plain ``forward`` (NCHW activations; PixelShuffle, then the 9x9 tail
at full resolution, three output channels) in tiles of 192 px at fixed steps, the last tile flush with the edge, so
a 256 px input took 2 x 2 tiles of 192 px, 2.25 times its pixels. "After" is ``upscale`` as it is now (channels-last,
the tail folded before the last shuffle, the fewest evenly spaced tiles of at most 256 px). Both upscale the same
photo (scikit-image's astronaut, resized) by turns, round after round, so a busy machine slows both alike; the
claim is the before/after ratio, taken round by round, its median and spread printed. "After" runs on torch's
default thread count and on one thread too: on a machine that other processes keep busy, threads that spin while
they wait for each other at every layer can make the default slower than one thread (OMP_WAIT_POLICY=PASSIVE in
the environment before torch starts lets them sleep instead). The outputs are compared pixel by pixel: as shipped
(at 256 px the old tiles' seams differ from the one pass), and in one pass each, which leaves float rounding alone.
Usage: python -m bench.superres_speed [--rounds 5] [--sizes 128 256]"""
from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np
import torch
from PIL import Image
from skimage import data

import gan_demo
from gan_demo import superres
from gan_demo.superres import SuperResolver
from train.precision import cpu_flags

from .toy_speed import cpu_model, spread

MODEL = "photo-srresnet"
BEFORE_TILE = 192
BEFORE = "(a) before"


def fixed_step_spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """The tiles before: ``tile`` pixels every ``tile - overlap``, the last one flush with the far edge."""
    if length <= tile:
        return [(0, length)]
    starts = list(range(0, length - tile, tile - overlap)) + [length - tile]
    return [(start, start + tile) for start in starts]


class Before(SuperResolver):
    """``SuperResolver`` as it was: the plain forward, fixed-step tiles of ``BEFORE_TILE`` px by default."""

    def upscale(self, image, tile: int = BEFORE_TILE, overlap: int = superres.DEFAULT_OVERLAP) -> Image.Image:
        return super().upscale(image, tile, overlap)

    def upscale_tensor(self, images: torch.Tensor) -> torch.Tensor:
        with torch.inference_mode():
            return self.module(images.float()).clamp(-1, 1)

    def upscale_tiled(self, pixels: torch.Tensor, tile: int, overlap: int) -> np.ndarray:
        with mock.patch.object(superres, "tile_spans", fixed_step_spans):
            return super().upscale_tiled(pixels, tile, overlap)


def seconds(model: SuperResolver, photo: Image.Image, threads: int) -> float:
    """One upscale's wall time on ``threads`` threads (torch's setting restored after)."""
    default = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        started = time.perf_counter()
        model.upscale(photo)
        return time.perf_counter() - started
    finally:
        torch.set_num_threads(default)


def max_difference(first: Image.Image, second: Image.Image) -> int:
    return int(np.abs(np.asarray(first, np.int16) - np.asarray(second, np.int16)).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256], help="input sides in pixels")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    print(f"CPU: {cpu_model()} ({vector_extensions()}); torch {torch.__version__}, {threads} threads by default")
    after = gan_demo.load(MODEL)
    before = Before(after.name, after.payload, after.module, after.folder)
    astronaut = Image.fromarray(data.astronaut())
    photos = {size: astronaut.resize((size, size), Image.Resampling.BICUBIC) for size in args.sizes}
    contenders = {BEFORE: (before, threads), "(b) after": (after, threads), "(b1) after, 1 thread": (after, 1)}
    for model, _ in contenders.values():
        model.warm_up()
    times = {(name, size): [] for size in photos for name in contenders}
    for _ in range(args.rounds):
        for size, photo in photos.items():
            for name, (model, count) in contenders.items():
                times[name, size].append(seconds(model, photo, count))
    print(f"seconds per upscale over {args.rounds} rounds, by turns, and (a)'s time over each one's, round by round")
    for size, photo in photos.items():
        for name in contenders:
            ratios = [b / a for b, a in zip(times[BEFORE, size], times[name, size])]
            print(f"{size:>4} px {name:<22} {spread(times[name, size], 3):<28} (a)/this {spread(ratios, 2)}")
        shipped = max_difference(before.upscale(photo), after.upscale(photo))
        whole = max(size, 2 * superres.DEFAULT_OVERLAP + 1)  # a tile the size of the photo
        one_pass = max_difference(before.upscale(photo, tile=whole), after.upscale(photo, tile=whole))
        print(f"{size:>4} px max |after - before| in uint8 levels: {shipped} as shipped, {one_pass} in one pass each")


def vector_extensions() -> str:
    flags = cpu_flags()
    return "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"


if __name__ == "__main__":
    main()
