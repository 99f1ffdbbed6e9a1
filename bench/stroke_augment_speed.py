"""Milliseconds per batch of ``train.stroke_augment.augment_strokes`` before and after its speed-up, in one run.

"Before" is the module as commit BEFORE left it, read with ``git show`` and imported from a temporary file (no old
code is kept in the repository): ``max_pool2d`` at stride 1 for the pen widths and to stamp the gaps and
overshoots, ``F.interpolate`` for the bicubic wobble field, on the CPU at torch's default thread count. "After" is
the module as it is now, which sets one thread while it works: on a machine that other processes keep busy,
threads that wait for a core at each of its many small operations made the default many times slower. So
"before" is timed on one thread as well, which leaves the gain of the operations themselves. All augment the same
batch (circles, boxes and strokes in OpenMoji's pen, with colour targets) by turns, each turn about the same time,
round after round, so that a busy machine slows all alike; the claim is before's time over after's, taken round
by round, its median and spread printed. The random ink points are drawn differently now (a uniform rank among
the ink pixels instead of ``torch.multinomial``), so outputs differ pixel by pixel: the ink per augmented sketch
is printed for each to show the same distribution.
Usage: python -m bench.stroke_augment_speed [--seconds 2] [--rounds 6] [--batch 16] [--size 128]"""
from __future__ import annotations

import argparse
import importlib.util
import random
import subprocess
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np
import torch
from PIL import Image, ImageDraw

from train import stroke_augment
from train.precision import cpu_flags

from .toy_speed import cpu_model, spread

BEFORE = "8084576a80c6ce53683ad41fddd74d06db23f274"  # the last commit with the module before the speed-up
MODULE = "train/stroke_augment.py"
ROOT = Path(__file__).resolve().parent.parent
BEFORE_NAME, BEFORE_ONE_THREAD = f"(a) before ({BEFORE[:7]})", "(a1) before, 1 thread"


def module_before() -> ModuleType:
    """``MODULE`` as of commit BEFORE, imported from a temporary copy."""
    source = subprocess.run(["git", "show", f"{BEFORE}:{MODULE}"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(source)
    spec = importlib.util.spec_from_file_location("stroke_augment_before", file.name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    Path(file.name).unlink()
    return module


def line_art(count: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` sketches (N, 1, S, S) and colour targets (N, 3, S, S) in [-1, 1]: a circle, a box and a stroke
    each, black in OpenMoji's pen (2/72 of the side) on white, the shapes filled with random colours."""
    rng, pen = random.Random(seed), max(1, round(size * 2 / 72))
    sketches, targets = [], []
    for _ in range(count):
        sketch, target = Image.new("L", (size, size), 255), Image.new("RGB", (size, size), "white")
        lines, colours = ImageDraw.Draw(sketch), ImageDraw.Draw(target)
        for shape in ("ellipse", "rectangle"):
            box, colour = random_box(rng, size), tuple(rng.choices(range(256), k=3))
            getattr(lines, shape)(box, outline=0, width=pen)
            getattr(colours, shape)(box, fill=colour, outline="black", width=pen)
        stroke = random_box(rng, size)
        lines.line(stroke, fill=0, width=pen)
        colours.line(stroke, fill="black", width=pen)
        sketches.append(np.asarray(sketch)[None])
        targets.append(np.asarray(target).transpose(2, 0, 1))
    return tuple(torch.from_numpy(np.stack(images)).float() / 127.5 - 1 for images in (sketches, targets))


def random_box(rng: random.Random, size: int) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of a box at least a tenth of ``size`` in from the edges."""
    xs, ys = (sorted(rng.sample(range(size // 10, size - size // 10), 2)) for _ in range(2))
    return xs[0], ys[0], xs[1], ys[1]


def turn(module: ModuleType, threads: int, batch: tuple, generator, seconds: float) -> tuple[float, list[float]]:
    """Milliseconds per call on ``threads`` threads over calls (at least one) until ``seconds`` have passed, and
    each output sketch's ink pixels (counted outside the timing)."""
    default, ink, elapsed = torch.get_num_threads(), [], 0.0
    torch.set_num_threads(threads)
    try:
        started = time.perf_counter()
        while not ink or time.perf_counter() - started < seconds:
            call = time.perf_counter()
            augmented, _ = module.augment_strokes(*batch, generator)
            elapsed += time.perf_counter() - call
            ink += (augmented < 0).flatten(1).sum(1).tolist()
        return elapsed * 1000 * len(batch[0]) / len(ink), ink
    finally:
        torch.set_num_threads(default)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time of each contender's turn")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=128, help="side of the sketches in pixels")
    args = parser.parse_args()
    threads = torch.get_num_threads()
    print(f"CPU: {cpu_model()}, AVX2: {'avx2' in cpu_flags()}; torch {torch.__version__}, "
          f"{threads} threads by default")
    batch, before = line_art(args.batch, args.size), module_before()
    contenders = {BEFORE_NAME: (before, threads), BEFORE_ONE_THREAD: (before, 1),
                  "(b) after": (stroke_augment, threads)}
    generators = {name: torch.Generator().manual_seed(0) for name in contenders}
    for name, (module, count) in contenders.items():
        turn(module, count, batch, generators[name], 0)  # warm-up: first-call allocations and caches
    times, ink = {name: [] for name in contenders}, {name: [] for name in contenders}
    for _ in range(args.rounds):
        for name, (module, count) in contenders.items():
            milliseconds, counts = turn(module, count, batch, generators[name], args.seconds)
            times[name].append(milliseconds)
            ink[name] += counts
    print(f"ms per batch of {args.batch} at {args.size} px over {args.rounds} rounds of {args.seconds:g} s turns; "
          "(a)'s and (a1)'s time over each one's, round by round; ink pixels per augmented sketch, mean +- sd")
    for name, values in times.items():
        counts = torch.tensor(ink[name], dtype=torch.float32)
        print(f"{name:<22} {spread(values, 1):<26}"
              f" (a)/this {spread([a / v for a, v in zip(times[BEFORE_NAME], values)], 1):<24}"
              f" (a1)/this {spread([a / v for a, v in zip(times[BEFORE_ONE_THREAD], values)], 1):<24}"
              f" ink {counts.mean():.0f} +- {counts.std():.0f} over {len(counts)} sketches")


if __name__ == "__main__":
    main()
