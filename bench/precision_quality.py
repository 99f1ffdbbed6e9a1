"""Is the bf16 fast path as good as fp32? The cGAN trained on MNIST in both precisions (same seeds, same command),
each scored by the project's own metric (`python -m train evaluate`: the MNIST classifier's agreement with the
asked label, and the Fréchet distance in its feature space).
Usage: python -m bench.precision_quality [--epochs 15] [--seeds 0,1] [--device cpu]"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from train.precision import has_native_bf16


def train_and_score(out: Path, precision: str, seed: int, epochs: int, device: str) -> dict:
    command = [sys.executable, "-m", "train", "cgan", "--data", "mnist", "--out", str(out), "--epochs", str(epochs),
               "--seed", str(seed), "--precision", precision, "--device", device, "--quiet"]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    subprocess.run([sys.executable, "-m", "train", "evaluate", str(out), "--samples", "500"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    metrics = json.loads((out / "config.json").read_text())["metrics"]
    return {"seconds": seconds, "accuracy": metrics["label accuracy"]["value"],
            "frechet": metrics["classifier Fréchet distance"]["value"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if not has_native_bf16(torch.device(args.device)):
        print(f"{args.device} has no bf16 units: its bf16 runs are emulated, slower than fp32 (the quality holds)")
    print(f"cGAN on MNIST, {args.epochs} epochs per run, {args.device}")
    print(f"{'precision':<10}{'seed':>6}{'wall s':>10}{'label acc':>12}{'Fréchet':>10}")
    with tempfile.TemporaryDirectory() as scratch:
        for seed in (int(s) for s in args.seeds.split(",")):
            for precision in ("fp32", "bf16"):
                result = train_and_score(Path(scratch) / f"{precision}-{seed}", precision, seed, args.epochs,
                                         args.device)
                print(f"{precision:<10}{seed:>6}{result['seconds']:>10.1f}{result['accuracy']:>12.4f}"
                      f"{result['frechet']:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
