"""The files of a run folder, written by this module alone.

A run folder is a checkpoint folder (config.json, model.safetensors, discriminator.safetensors, README.md,
sample_grid.png) plus ``training/``: state.pt (for --resume), losses.csv, one sample grid per epoch. Every file
is written atomically, so a run killed at any moment leaves its last save readable.
"""
from __future__ import annotations

import io
import platform
from dataclasses import asdict
from pathlib import Path

import torch

from gan_demo import atomic
from gan_demo.checkpoints import save_checkpoint

from .model_card import write_model_card
from .precision import Precision

STATE_FILE = "training/state.pt"
LOSSES_FILE = "training/losses.csv"
PROGRESS_KEYS = ("epoch", "step_in_epoch", "step", "seconds", "history")


def write_run(out: Path, task, options, precision: Precision, data, progress: dict, networks: dict,
              ema, optimizers: dict, grid, epoch_done: bool) -> None:
    """Resume state first, then the checkpoint folder (config.json last), then the card."""
    state = {
        "networks": {name: module.state_dict() for name, module in networks.items()},
        "ema": ema.state_dict() if ema is not None else None,
        "optimizers": {name: optimizer.state_dict() for name, optimizer in optimizers.items()},
        "task": task.state_dict(),
        "cpu_rng": torch.get_rng_state(),
        "cuda_rng": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        **progress,
    }
    buffer = io.BytesIO()
    torch.save(state, buffer)
    atomic.write_bytes(out / STATE_FILE, buffer.getvalue())
    atomic.write_text(out / LOSSES_FILE, losses_csv(progress["history"]))
    if epoch_done:
        atomic.write_png(out / "training" / "samples" / f"epoch_{progress['epoch']:04d}.png", grid)
    atomic.write_png(out / "sample_grid.png", grid)
    generator = networks[task.generator_name]
    last = progress["history"][-1] if progress["history"] else {}
    training = {
        "data": data.source, "data_credit": data.credit, "command": options.command,
        "device": device_description(next(generator.parameters()).device, precision),
        "wall_time_seconds": round(progress["seconds"], 1), "epochs": progress["epoch"], "steps": progress["step"],
        "options": {**{k: v for k, v in asdict(options).items() if k not in ("command", "extra")}, **options.extra},
        "final_losses": {k: round(v, 4) for k, v in last.items() if k not in ("step", "epoch")},
    }
    if task.earlier_stages:
        training["earlier_stages"] = task.earlier_stages
    metadata = {"class_names": getattr(task.config, "class_names", []), "normalization": "tanh [-1, 1]",
                "training": training}
    discriminator = task.shipped_discriminator
    save_checkpoint(out, task.kind, task.config, ema if ema is not None else generator,
                    networks[discriminator] if discriminator else None, metadata, half=options.half_weights)
    write_model_card(out)


def lineage(payload: dict, role: str) -> list[dict]:
    """The training stages behind a checkpoint (its config.json ``payload``), oldest first, itself last as
    ``role``: recorded by a run that starts from it, so its card still says how to remake it when the starting
    folder is gone or replaced."""
    training = payload.get("training", {})
    own = {"role": role, "command": training.get("command", ""), "device": training.get("device", "unknown"),
           "wall_time_seconds": training.get("wall_time_seconds", 0), "steps": training.get("steps", 0)}
    return [*training.get("earlier_stages", []), own]


def distinct_stages(stages: list[dict]) -> list[dict]:
    """``stages`` with each run once, at its first place and under its first role: a blend's two parents share
    the stages behind the GAN model's starting weights, which may be the PSNR model itself."""
    seen, kept = [], []
    for stage in stages:
        run = {key: value for key, value in stage.items() if key != "role"}
        if run not in seen:
            seen.append(run)
            kept.append(stage)
    return kept


def load_state(out: Path, task, networks: dict, ema, optimizers: dict, device) -> dict:
    """Restore networks, EMA, optimisers, the task's own state and RNG from ``out``'s state.pt; returns the
    progress counters."""
    path = out / STATE_FILE
    if not path.exists():
        raise FileNotFoundError(path)
    state = torch.load(path, map_location=device, weights_only=True)
    for name, module in networks.items():
        module.load_state_dict(state["networks"][name])
    if ema is not None and state["ema"] is not None:
        ema.load_state_dict(state["ema"])
    for name, optimizer in optimizers.items():
        optimizer.load_state_dict(state["optimizers"][name])
    task.load_state_dict(state.get("task", {}))  # runs saved before tasks had state have none
    torch.set_rng_state(state["cpu_rng"].cpu())
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
    return {k: state[k] for k in PROGRESS_KEYS}


def losses_csv(history: list[dict]) -> str:
    if not history:
        return ""
    columns = list(dict.fromkeys(column for row in history for column in row))  # lazy phases log on some rows
    rows = [",".join(columns)]
    rows += [",".join("" if c not in row else f"{row[c]}" if isinstance(row[c], int) else f"{row[c]:.5f}"
                      for c in columns) for row in history]
    return "\n".join(rows) + "\n"


def device_description(device: torch.device, precision: Precision) -> str:
    """Where and how the run computed, for the model card: "CPU (2 threads, x86_64), bf16 autocast, channels-last"."""
    how = precision.describe()
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)}), {how}"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads > 1 else ''}, {platform.processor() or platform.machine()}), {how}"
