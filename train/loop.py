"""The one adversarial training loop. Each GAN kind supplies a task (batches and losses, see tasks.py).

A run folder is a checkpoint folder (config.json, model.safetensors, discriminator.safetensors, README.md,
sample_grid.png) plus ``training/`` (state.pt for --resume, losses.csv, one sample grid per epoch).
Every file is written atomically, so a run killed at any moment leaves its last save readable.
"""
from __future__ import annotations

import contextlib

import copy
import io
import math
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from gan_demo import atomic
from gan_demo.checkpoints import save_checkpoint
from gan_demo.images import tensor_grid

from .streaming import epoch_batches

from . import distributed
from .model_card import write_model_card
from .precision import Precision

STATE_FILE = "training/state.pt"
LOSSES_FILE = "training/losses.csv"


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


@dataclass
class TrainOptions:
    epochs: int = 10  # passes over the dataset
    batch_size: int = 64  # images per step (per process under torchrun)
    lr_g: float = 2e-4  # Adam learning rate of the generator
    lr_d: float = 2e-4  # Adam learning rate of the discriminator
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas of the DCGAN paper
    ema_decay: float = 0.999  # EMA of generator weights used for sampling; 0 turns it off
    lr_decay_epochs: int = 0  # the learning rates fall linearly to zero over the last N epochs (0: constant)
    save_every: int = 0  # also checkpoint every N steps inside an epoch (0: at epoch ends only)
    max_steps: int = 0  # stop after this many steps in total (0: no limit)
    log_every: int = 10  # steps between rows of losses.csv
    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1", ...
    seed: int = 0
    compile: bool = False  # torch.compile the generator and discriminator
    precision: str = "auto"  # "auto" (bf16 where the hardware has bf16 units), "fp32" or "bf16"
    half_weights: bool = False  # store the shipped generator's weights in fp16
    command: str = ""  # the command line, recorded in the model card
    extra: dict = field(default_factory=dict)  # kind-specific options, recorded as they are

    @classmethod
    def from_flags(cls, args, **own) -> "TrainOptions":
        """The options of the flags every training command shares (cli.add_common_training_flags), then the
        command's ``own``."""
        shared = dict(epochs=args.epochs, batch_size=args.batch_size, lr_g=args.lr, lr_d=args.lr,
                      lr_decay_epochs=args.lr_decay_epochs, save_every=args.save_every, max_steps=args.max_steps,
                      device=args.device, precision=args.precision, half_weights=args.half_weights, seed=args.seed,
                      compile=args.compile, command=args.command_line)
        return cls(**{**shared, **own})


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"--device {name}: CUDA is not available on this machine (use --device cpu)")
    return device


def fit(task, data, options: TrainOptions, out: Path, resume: bool = False,
        should_stop=lambda: False, on_progress=None, show_progress: bool = True) -> Path:
    """Train ``task`` on ``data``; returns the run folder. ``on_progress(step, history, grid)`` sees each save
    (history: the logged rows of losses.csv so far; grid: the sample grid from the fixed z)."""
    out = Path(out)
    rank, world = distributed.setup()
    device = distributed.device_for(resolve_device(options.device), rank)
    torch.manual_seed(options.seed + rank)
    precision = Precision.choose(device, options.precision)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True

    generator, discriminator = task.generator.to(device), task.discriminator.to(device)
    precision.prepare(generator, discriminator)
    ema = copy.deepcopy(generator).eval().requires_grad_(False) if options.ema_decay > 0 else None
    opt_g = torch.optim.Adam(generator.parameters(), lr=options.lr_g, betas=options.betas, fused=cuda)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=options.lr_d, betas=options.betas, fused=cuda)

    progress = {"epoch": 0, "step_in_epoch": 0, "step": 0, "seconds": 0.0, "history": []}
    if resume:
        progress = load_state(out, generator, discriminator, ema, opt_g, opt_d, device)
    elif (out / STATE_FILE).exists():
        raise FileExistsError(f"{out} already holds a training run: pass --resume to continue it, "
                              "or choose another --out")

    task.generator, task.discriminator = distributed.wrap(generator, device), distributed.wrap(discriminator, device)
    if options.compile:
        task.generator, task.discriminator = torch.compile(task.generator), torch.compile(task.discriminator)

    on_device = data.to(device)  # small datasets live on the training device as uint8; large folders stream
    task.prepare(on_device)
    steps_per_epoch = len(on_device) // (options.batch_size * world)
    if steps_per_epoch == 0:
        raise ValueError(f"{len(on_device)} images are fewer than one batch of {options.batch_size * world}")
    planned_steps = total_steps = options.epochs * steps_per_epoch
    if options.max_steps:
        total_steps = min(total_steps, options.max_steps)
    decay_steps = options.lr_decay_epochs * steps_per_epoch  # the last epochs of the plan; --max-steps only stops

    is_main = rank == 0
    bar = tqdm(total=total_steps, initial=progress["step"], disable=not (show_progress and is_main),
               dynamic_ncols=True, desc="train")
    started, images_seen, stats = time.perf_counter(), 0, {}

    def save(epoch_done: bool) -> None:
        elapsed = progress["seconds"] + time.perf_counter() - started
        if not is_main:
            return
        sampler = ema if ema is not None else generator
        if ema is not None:
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                task.recalibrate_batch_norm(ema)
        grid = sample_image(task, sampler)
        state = {**progress, "seconds": elapsed}
        write_run(out, task, options, precision, data, state, generator, discriminator, ema, opt_g, opt_d, grid,
                  epoch_done)
        if on_progress is not None:
            on_progress(progress["step"], progress["history"], grid)

    while progress["step"] < total_steps and not should_stop():
        epoch = progress["epoch"]
        order = torch.randperm(len(on_device), generator=torch.Generator().manual_seed(options.seed * 100003 + epoch))
        shard = order[rank::world].to(device)
        batches = epoch_batches(on_device, shard, options.batch_size, progress["step_in_epoch"], steps_per_epoch,
                                device)
        for index, (batch_data, batch_idx) in enumerate(batches, start=progress["step_in_epoch"]):
            if progress["step"] >= total_steps or should_stop():
                break
            batch = task.make_batch(batch_data, batch_idx)
            factor = lr_factor(progress["step"], planned_steps, decay_steps)
            set_learning_rates(opt_g, options.lr_g * factor)
            set_learning_rates(opt_d, options.lr_d * factor)
            stats = train_step(task, batch, opt_g, opt_d, precision)
            if ema is not None:
                update_ema(ema, generator, options.ema_decay, progress["step"])
            progress["step"] += 1
            progress["step_in_epoch"] = index + 1
            images_seen += options.batch_size * world
            rate = images_seen / max(time.perf_counter() - started, 1e-9)
            if progress["step"] % options.log_every == 0 or progress["step"] == 1:
                progress["history"].append({"step": progress["step"], "epoch": epoch + 1, **stats})
            bar.set_postfix({"epoch": epoch + 1, **{k: f"{v:.3f}" for k, v in stats.items()},
                             "img/s": f"{rate:.0f}"}, refresh=False)
            bar.update(1)
            if options.save_every and progress["step"] % options.save_every == 0:
                save(epoch_done=False)
        else:
            progress["epoch"] += 1
            progress["step_in_epoch"] = 0
            save(epoch_done=True)
            continue
        break
    if progress["step_in_epoch"]:  # stopped inside an epoch (max steps or a stop request)
        save(epoch_done=False)
    bar.close()
    distributed.teardown()
    return out


def lr_factor(step: int, total_steps: int, decay_steps: int) -> float:
    """1 until the last ``decay_steps`` steps, then a linear fall towards 0 at ``total_steps`` (the reference
    pix2pix's --n_epochs_decay). A function of the step alone, so a resumed run continues the same schedule."""
    if decay_steps <= 0:
        return 1.0
    return min(1.0, (total_steps - step) / decay_steps)


def set_learning_rates(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def train_step(task, batch: dict, opt_g, opt_d, precision: Precision) -> dict[str, float]:
    """One D update (tasks with an adversarial term) then one G update, in the step's ``precision``."""
    losses, stats_d = {}, {}
    if task.adversarial:
        opt_d.zero_grad(set_to_none=True)
        with precision.autocast():
            loss_d, stats_d = task.discriminator_loss(batch)
        loss_d.backward()
        opt_d.step()
        losses["loss_D"] = loss_d.detach()
    opt_g.zero_grad(set_to_none=True)
    with weights_frozen(task.discriminator):
        with precision.autocast():
            loss_g, stats_g = task.generator_loss(batch)
        loss_g.backward()
    opt_g.step()
    stats = {**losses, "loss_G": loss_g.detach(), **stats_d, **stats_g}
    values = {k: float(v) for k, v in stats.items()}  # one device sync per step, for the bar and the guard
    if not all(math.isfinite(v) for v in values.values()):
        raise TrainingDiverged(f"training diverged: a loss became non-finite ({values}); the last saved "
                               "checkpoint is kept — lower --lr or resume from it")
    return values


@contextlib.contextmanager
def weights_frozen(discriminator: nn.Module):
    """The G step needs gradients through D, not D's own weight gradients (discarded at the next D step):
    skipping them saves one weight-gradient pass through D per step. DDP modules are left alone, since their
    gradient buckets expect every parameter in every backward."""
    if isinstance(discriminator, nn.parallel.DistributedDataParallel):
        yield
        return
    discriminator.requires_grad_(False)
    try:
        yield
    finally:
        discriminator.requires_grad_(True)


@torch.no_grad()
def update_ema(ema: nn.Module, live: nn.Module, decay: float, step: int) -> None:
    """EMA of parameters with a warm-up (short runs are not stuck near the initial weights)."""
    decay = min(decay, (1 + step) / (10 + step))
    for average, current in zip(ema.parameters(), live.parameters()):
        average.lerp_(current, 1 - decay)
    for average, current in zip(ema.buffers(), live.buffers()):
        average.copy_(current)


@torch.no_grad()
def sample_image(task, generator: nn.Module):
    was_training = generator.training
    generator.eval()
    grid = tensor_grid(task.sample_grid(generator).float().cpu(), columns=task.grid_columns())
    generator.train(was_training)
    return grid


def write_run(out: Path, task, options: TrainOptions, precision: Precision, data, progress: dict, generator,
              discriminator,
              ema, opt_g, opt_d, grid, epoch_done: bool) -> None:
    """Resume state first, then the checkpoint folder (config.json last), then the card."""
    state = {
        "generator": generator.state_dict(), "discriminator": discriminator.state_dict(),
        "ema": ema.state_dict() if ema is not None else None,
        "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
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
    last = progress["history"][-1] if progress["history"] else {}
    training = {
        "data": data.source, "data_credit": data.credit, "command": options.command,
        "device": device_description(next(generator.parameters()).device, precision),
        "wall_time_seconds": round(progress["seconds"], 1), "epochs": progress["epoch"], "steps": progress["step"],
        "options": {**{k: v for k, v in asdict(options).items() if k not in ("command", "extra")}, **options.extra},
        "final_losses": {k: round(v, 4) for k, v in last.items() if k not in ("step", "epoch")},
    }
    metadata = {"class_names": getattr(task.config, "class_names", []), "normalization": "tanh [-1, 1]",
                "training": training}
    save_checkpoint(out, task.kind, task.config, ema if ema is not None else generator,
                    discriminator if task.adversarial else None, metadata,  # an untrained D is not shipped
                    half=options.half_weights)
    write_model_card(out)


def load_state(out: Path, generator, discriminator, ema, opt_g, opt_d, device) -> dict:
    path = out / STATE_FILE
    if not path.exists():
        raise FileNotFoundError(f"--resume: no {STATE_FILE} in {out}; start a new run without --resume")
    state = torch.load(path, map_location=device, weights_only=True)
    generator.load_state_dict(state["generator"])
    discriminator.load_state_dict(state["discriminator"])
    if ema is not None and state["ema"] is not None:
        ema.load_state_dict(state["ema"])
    opt_g.load_state_dict(state["opt_g"])
    opt_d.load_state_dict(state["opt_d"])
    torch.set_rng_state(state["cpu_rng"].cpu())
    if state["cuda_rng"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([s.cpu() for s in state["cuda_rng"]])
    return {k: state[k] for k in ("epoch", "step_in_epoch", "step", "seconds", "history")}


def losses_csv(history: list[dict]) -> str:
    if not history:
        return ""
    columns = list(history[-1])
    rows = [",".join(columns)]
    rows += [",".join(f"{row.get(c, '')}" if isinstance(row.get(c), int) else f"{row.get(c, float('nan')):.5f}"
                      for c in columns) for row in history]
    return "\n".join(rows) + "\n"


def device_description(device: torch.device, precision: Precision) -> str:
    """Where and how the run computed, for the model card: "CPU (2 threads, x86_64), bf16 autocast, channels-last"."""
    how = precision.describe()
    if device.type == "cuda":
        return f"CUDA ({torch.cuda.get_device_name(device)}), {how}"
    threads = torch.get_num_threads()
    return f"CPU ({threads} thread{'s' if threads > 1 else ''}, {platform.processor() or platform.machine()}), {how}"
