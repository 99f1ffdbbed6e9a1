"""Where one training step's time goes on this machine, by kind of operator (torch.profiler, self time).

On a CPU a DCGAN-64 step is almost all convolution kernels, so start-up and the data path (the rest of the
whole-process time) cannot make training much faster there; this prints the shares that say so.
Usage: python -m bench.step_profile [--kind "dcgan-64 (openmoji)"] [--steps 3] [--device cpu] [--precision fp32]"""
from __future__ import annotations

import argparse
import platform

import torch
from torch.profiler import ProfilerActivity, profile

from train.loop import train_step
from train.precision import PRECISIONS, Precision

from .train_throughput import SETUPS, fresh_task, synthetic_data

# first match wins: an operator whose name holds one of these words counts in that group
GROUPS = (("convolution backward", ("convolution_backward",)), ("convolution forward", ("convolution",)),
          ("batch / instance norm", ("batch_norm", "instance_norm")),
          ("activations", ("relu", "tanh", "sigmoid", "threshold")))


def group_of(name: str) -> str:
    return next((group for group, words in GROUPS if any(word in name for word in words)), "everything else")


def profiled_step_shares(name: str, steps: int, device: str, precision: Precision) -> tuple[dict[str, float], float]:
    """Share of self time per group, and seconds per step."""
    kind, make_config, batch_size = SETUPS[name]
    config = make_config()
    task = fresh_task(kind, config, augment=("color", "translation", "cutout") if kind != "pix2pix" else ())
    for module in task.networks.values():
        module.to(device)
    precision.prepare(*task.networks.values())
    data = synthetic_data(config, batch_size).to(device)
    batch_indices = torch.arange(batch_size, device=device)
    optimizers = {group: torch.optim.Adam([p for net in task.optimizer_groups[group]
                                           for p in task.networks[net].parameters()], lr=2e-4, betas=(0.5, 0.999))
                  for group in {phase.optimizer for phase in task.phases()}}
    cuda = torch.device(device).type == "cuda"
    for step in range(2):  # warm-up: first calls pick kernels and allocate
        train_step(task, task.make_batch(data, batch_indices), optimizers, step, precision)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with profile(activities=activities) as profiler:
        for step in range(steps):
            train_step(task, task.make_batch(data, batch_indices), optimizers, step, precision)
    totals: dict[str, float] = {}
    for event in profiler.key_averages():
        seconds = (event.self_device_time_total if cuda else event.self_cpu_time_total) / 1e6
        totals[group_of(event.key)] = totals.get(group_of(event.key), 0.0) + seconds
    whole = sum(totals.values())
    return {group: seconds / whole for group, seconds in totals.items()}, whole / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kind", default="dcgan-64 (openmoji)", choices=list(SETUPS))
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto")
    args = parser.parse_args()
    precision = Precision.choose(torch.device(args.device), args.precision)
    shares, step_seconds = profiled_step_shares(args.kind, args.steps, args.device, precision)
    print(f"{args.kind} on {args.device} ({platform.processor() or platform.machine()}, "
          f"{torch.get_num_threads()} threads, {precision.describe()}): {step_seconds:.2f} s of operator time per step")
    for group, share in sorted(shares.items(), key=lambda item: -item[1]):
        print(f"{group:<26}{100 * share:>7.1f} %")


if __name__ == "__main__":
    main()
