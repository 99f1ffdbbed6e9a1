"""Seconds per 4x upscale by two or more super-resolution models, in one run, and how far their outputs differ.

Each model upscales the same photo (scikit-image's astronaut, resized) by turns, round after round, so a busy
machine slows all alike; the claim is the first model's time over each other's, round by round (median and
spread printed). Made to compare ``photo-srgan`` with its distilled, narrower-upsampler student: the outputs are
compared too, as PSNR of each model's output against the first model's (luma, 4 px border cropped). With
``--http CALLS``, ``/superres`` is also called through the running app (``python app.py``, shipped names only) with
each model by turns, on the 128 px photo the latency bench uses, and its p50 / p95 printed; ``--against
OLD/app.py`` serves another version of the app beside this one (e.g. a ``git worktree`` of an earlier commit) and
alternates every call between the two servers, to measure a change to the serving path in one run.
Usage: python -m bench.superres_models [--models photo-srgan photo-srgan-fast] [--rounds 5] [--sizes 128 256]
                                       [--http 30 [--against OLD/app.py]]"""
from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from skimage import data

import gan_demo
from train.tools.srgan_metrics import psnr_y

from .http_calls import ROOT, bench_photo, call, percentile, running_app, upload
from .superres_speed import seconds, vector_extensions
from .toy_speed import cpu_model, spread


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["photo-srgan"], help="shipped names or run folders")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256], help="input sides in pixels")
    parser.add_argument("--http", type=int, default=0, metavar="CALLS", help="also time /superres through the app")
    parser.add_argument("--against", type=Path, default=None, metavar="APP_PY",
                        help="with --http: another app.py to serve beside this one, called by turns")
    args = parser.parse_args()
    if args.against and not args.http:
        parser.error("--against compares servers: give --http CALLS too")
    threads = torch.get_num_threads()
    print(f"CPU: {cpu_model()} ({vector_extensions()}); torch {torch.__version__}, {threads} threads")
    models = {name: gan_demo.load(name) for name in args.models}
    for model in models.values():
        model.warm_up()
    astronaut = Image.fromarray(data.astronaut())
    photos = {size: astronaut.resize((size, size), Image.Resampling.BICUBIC) for size in args.sizes}
    times = {(name, size): [] for size in photos for name in models}
    for _ in range(args.rounds):
        for size, photo in photos.items():
            for name, model in models.items():
                times[name, size].append(seconds(model, photo, threads))
    first = args.models[0]
    print(f"seconds per upscale over {args.rounds} rounds, by turns; {first}'s time over each one's, round by round")
    for size, photo in photos.items():
        reference = np.asarray(models[first].upscale(photo))
        for name, model in models.items():
            ratios = [a / b for a, b in zip(times[first, size], times[name, size])]
            agreement = psnr_y(np.asarray(model.upscale(photo)), reference, 4) if name != first else float("inf")
            print(f"{size:>4} px {name:<36} {spread(times[name, size], 3):<28} speed-up {spread(ratios, 2)}; "
                  f"PSNR vs {first}: {agreement:.1f} dB")
    if args.http:
        scripts = [ROOT / "app.py", *([args.against.resolve()] if args.against else [])]
        http_latency(args.models, args.http, scripts)


def http_latency(names: list[str], calls: int, scripts: list[Path]) -> None:
    """p50 / p95 of ``/superres`` per model and server over ``calls`` calls each, taking turns."""
    with contextlib.ExitStack() as stack:
        apps = {script: stack.enter_context(running_app(script=script)) for script in scripts}
        times: dict[tuple, list[float]] = {(name, script): [] for name in names for script in scripts}
        for round_index in range(calls + 3):  # three rounds of warm-up
            # uploaded again each round: Gradio's cache clean-up deletes an upload about 5 minutes after it came
            photos = {script: upload(app.url, bench_photo(), "photo.png") for script, app in apps.items()}
            for name, script in times:
                ok, output, elapsed = call(apps[script].url, "superres", [name, photos[script]])
                if not ok:
                    raise SystemExit(f"/superres with {name} ({script}) failed: {output}")
                if round_index >= 3:
                    times[name, script].append(elapsed)
        for (name, script), values in times.items():
            print(f"/superres, 128 px photo, {name:<20} {script!s:<28} HTTP p50 {percentile(values, 50) * 1e3:.0f} "
                  f"ms, p95 {percentile(values, 95) * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
