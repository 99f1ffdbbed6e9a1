"""Training steps/s of the toy GAN (``gan_demo.toy.ToyGAN``) against a plain textbook loop, in one run.

The plain loop is the obvious way to write the game: 2x128-unit MLPs for G and D, batch 256, Adam, the
non-saturating loss, D scored on real and fake points in two passes, then a G pass; timed at torch's default
thread count and on one thread (on a busy machine, threads that wait for each other can make the default many
times slower, which would flatter ToyGAN: it trains on one thread). ToyGAN runs its own ``train`` with its
defaults (R1 + EMA on) and with both stabilisers off. The contenders take turns, each for about the same time,
over several rounds so that a busy machine slows all of them alike; the claim is the ratio of ToyGAN's steps/s
to the plain loop's, taken round by round, its median and its spread printed.
Usage: python -m bench.toy_speed [--seconds 2] [--rounds 6]"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_demo.toy import ToyGAN, sample_real
from train.precision import cpu_flags

BATCH = 256
CHUNK = 5  # steps between looks at the clock


def plain_mlp(outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, outputs))


class PlainLoop:
    """The textbook GAN loop on the ring, with a ``train(steps)`` like ToyGAN's."""

    def __init__(self, threads: int | None = None, seed: int = 0):
        self.threads = threads or torch.get_num_threads()
        torch.manual_seed(seed)
        self.rng = torch.Generator().manual_seed(seed)
        self.generator, self.discriminator = plain_mlp(2), plain_mlp(1)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=1e-3, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))

    def train(self, steps: int) -> None:
        threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            for _ in range(steps):
                self.step()
        finally:
            torch.set_num_threads(threads)

    def step(self) -> None:
        real = sample_real("ring", BATCH, self.rng)
        fake = self.generator(torch.randn(BATCH, 2))
        real_logits, fake_logits = self.discriminator(real), self.discriminator(fake.detach())
        loss_d = (F.binary_cross_entropy_with_logits(real_logits, torch.ones_like(real_logits))
                  + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))
        self.opt_d.zero_grad()
        loss_d.backward()
        self.opt_d.step()
        fake_logits = self.discriminator(self.generator(torch.randn(BATCH, 2)))
        loss_g = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()


PLAIN, PLAIN_ONE_THREAD = "(a) plain loop, 2x128", "(a1) plain loop, 1 thread"
CONTENDERS = {
    PLAIN: PlainLoop,
    PLAIN_ONE_THREAD: lambda: PlainLoop(threads=1),
    "(b) ToyGAN defaults": lambda: ToyGAN("ring", seed=0),
    "(c) ToyGAN, R1 + EMA off": lambda: ToyGAN("ring", seed=0, r1=0.0, ema=0.0),
}


def steps_per_second(model, seconds: float) -> float:
    """Steps/s over chunks of ``train`` until ``seconds`` have passed."""
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        model.train(CHUNK)
        steps += CHUNK
    return steps / (time.perf_counter() - started)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return "unknown"


def spread(values: list[float], digits: int) -> str:
    return f"median {statistics.median(values):.{digits}f} ({min(values):.{digits}f} .. {max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="time of each contender's turn")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}, avx512_bf16: {'avx512_bf16' in cpu_flags()}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads by default (ToyGAN.train uses 1 while it trains)")
    models = {name: make() for name, make in CONTENDERS.items()}
    for model in models.values():
        model.train(CHUNK)  # warm-up: first-call allocations and dispatch caches
    rates = {name: [] for name in models}
    for _ in range(args.rounds):
        for name, model in models.items():
            rates[name].append(steps_per_second(model, args.seconds))
    print(f"steps/s over {args.rounds} rounds of {args.seconds:g} s turns; ratios per round to (a) and to (a1)")
    for name, values in rates.items():
        print(f"{name:<30} {spread(values, 0):<26} x(a) {spread([v / p for v, p in zip(values, rates[PLAIN])], 2):<28}"
              f" x(a1) {spread([v / p for v, p in zip(values, rates[PLAIN_ONE_THREAD])], 2)}")


if __name__ == "__main__":
    main()
