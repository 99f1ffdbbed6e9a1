"""The one training loop. It steps through a task's phases (see ``tasks.base``) and knows no GAN kind.

It owns the device, precision, optimiser groups, EMA of the generator, the learning-rate schedule, saving and
resuming; the files of a run are written by ``run_files``.
"""
from __future__ import annotations

import contextlib
import copy
import math
import time
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from gan_demo.images import tensor_grid

from . import distributed
from .data.streaming import epoch_batches
from .errors import TrainingDiverged, UsageError
from .options import TrainOptions
from .precision import Precision
from .run_files import STATE_FILE, load_state, write_run


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(f"--device {name}: expected auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {name}: CUDA is not available on this machine (use --device cpu)")
    return device


def fit(task, data, options: TrainOptions, out: Path, resume: bool = False,
        should_stop=lambda: False, on_progress=None, show_progress: bool = True) -> Path:
    """Train ``task`` on ``data``; returns the run folder. ``on_progress(step, history, grid)`` sees each save
    (history: the logged rows of losses.csv so far; grid: the sample grid from the fixed inputs)."""
    out = Path(out)
    rank, world = distributed.setup()
    device = distributed.device_for(resolve_device(options.device), rank)
    torch.manual_seed(options.seed + rank)
    precision = Precision.choose(device, options.precision)
    cuda = device.type == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True

    networks = {name: module.to(device) for name, module in task.networks.items()}
    precision.prepare(*networks.values())
    generator = networks[task.generator_name]
    ema = copy.deepcopy(generator).eval().requires_grad_(False) if options.ema_decay > 0 else None
    groups = {phase.optimizer for phase in task.phases()}
    optimizers = {group: torch.optim.Adam([p for name in task.optimizer_groups[group]
                                           for p in networks[name].parameters()],
                                          lr=options.learning_rate(group), betas=options.betas, fused=cuda)
                  for group in sorted(groups)}

    progress = {"epoch": 0, "step_in_epoch": 0, "step": 0, "seconds": 0.0, "history": []}
    if resume:
        if not (out / STATE_FILE).exists():
            raise UsageError(f"--resume: no {STATE_FILE} in {out}; start a new run without --resume")
        progress = load_state(out, task, networks, ema, optimizers, device)
    elif (out / STATE_FILE).exists():
        raise UsageError(f"{out} already holds a training run: pass --resume to continue it, or choose another --out")

    for name, module in networks.items():  # the task computes with the wrapped modules, the loop saves the raw ones
        wrapped = distributed.wrap(module, device)
        task.networks[name] = torch.compile(wrapped) if options.compile else wrapped

    on_device = data.to(device)  # small datasets live on the training device as uint8; large folders stream
    task.prepare(on_device)
    steps_per_epoch = len(on_device) // (options.batch_size * world)
    if steps_per_epoch == 0:
        raise UsageError(f"{len(on_device)} images are fewer than one batch of {options.batch_size * world}")
    planned_steps = total_steps = options.epochs * steps_per_epoch
    if options.max_steps:
        total_steps = min(total_steps, options.max_steps)
    decay_steps = options.lr_decay_epochs * steps_per_epoch  # the last epochs of the plan; --max-steps only stops

    is_main = rank == 0
    bar = tqdm(total=total_steps, initial=progress["step"], disable=not (show_progress and is_main),
               dynamic_ncols=True, desc="train")
    started, images_seen, latest = time.perf_counter(), 0, {}
    deadline = started + options.time_limit * 60 if options.time_limit else math.inf

    def stopping() -> bool:  # asked to, or out of time (--time-limit)
        return should_stop() or time.perf_counter() > deadline

    saved_at = progress["step"]

    def save(epoch_done: bool) -> None:
        nonlocal saved_at
        saved_at = progress["step"]
        elapsed = progress["seconds"] + time.perf_counter() - started
        if not is_main:
            return
        if ema is not None:
            with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
                task.recalibrate(ema)
        grid = sample_image(task, ema if ema is not None else generator)
        write_run(out, task, options, precision, data, {**progress, "seconds": elapsed}, networks, ema, optimizers,
                  grid, epoch_done)
        if on_progress is not None:
            on_progress(progress["step"], progress["history"], grid)

    while progress["step"] < total_steps and not stopping():
        epoch = progress["epoch"]
        order = torch.randperm(len(on_device), generator=torch.Generator().manual_seed(options.seed * 100003 + epoch))
        shard = order[rank::world].to(device)
        batches = epoch_batches(on_device, shard, options.batch_size, progress["step_in_epoch"], steps_per_epoch,
                                device)
        for index, (batch_data, batch_idx) in enumerate(batches, start=progress["step_in_epoch"]):
            if progress["step"] >= total_steps or stopping():
                break
            factor = lr_factor(progress["step"], planned_steps, decay_steps)
            for group, optimizer in optimizers.items():
                set_learning_rate(optimizer, options.learning_rate(group) * factor)
            stats = train_step(task, task.make_batch(batch_data, batch_idx), optimizers, progress["step"], precision)
            latest.update(stats)  # a lazy phase's figures stay on the rows logged between its runs
            if ema is not None:
                update_ema(ema, generator, options.ema_decay, progress["step"])
            progress["step"] += 1
            progress["step_in_epoch"] = index + 1
            images_seen += options.batch_size * world
            rate = images_seen / max(time.perf_counter() - started, 1e-9)
            if progress["step"] % options.log_every == 0 or progress["step"] == 1:
                progress["history"].append({"step": progress["step"], "epoch": epoch + 1, **latest})
            bar.set_postfix({"epoch": epoch + 1, **{k: f"{v:.3f}" for k, v in stats.items()},
                             "img/s": f"{rate:.0f}"}, refresh=False)
            bar.update(1)
            if options.save_every and progress["step"] % options.save_every == 0:
                save(epoch_done=False)
        else:
            progress["epoch"] += 1
            progress["step_in_epoch"] = 0
            if not options.save_every:  # else every save_every steps: epochs of a small dataset take seconds
                save(epoch_done=True)
            continue
        break
    if progress["step"] > saved_at:  # stopped (max steps, time limit, a stop request) or finished between saves
        save(epoch_done=progress["step_in_epoch"] == 0 and not options.save_every)
    bar.close()
    distributed.teardown()
    return out


def lr_factor(step: int, total_steps: int, decay_steps: int) -> float:
    """1 until the last ``decay_steps`` steps, then a linear fall towards 0 at ``total_steps`` (the reference
    pix2pix's --n_epochs_decay). A function of the step alone, so a resumed run continues the same schedule."""
    if decay_steps <= 0:
        return 1.0
    return min(1.0, (total_steps - step) / decay_steps)


def set_learning_rate(optimizer: torch.optim.Optimizer, lr: float) -> None:
    for group in optimizer.param_groups:
        group["lr"] = lr


def train_step(task, batch: dict, optimizers: dict, step: int, precision: Precision) -> dict[str, float]:
    """Every phase due at ``step``, in order: one loss, one backward, one optimiser step each."""
    losses, stats = {}, {}
    for phase in task.phases():
        if step % phase.every:
            continue
        optimizer = optimizers[phase.optimizer]
        optimizer.zero_grad(set_to_none=True)
        with weights_frozen([task.networks[name] for name in phase.frozen]):
            with precision.autocast():
                loss, phase_stats = task.loss(phase.name, batch)
            loss.backward()
        optimizer.step()
        losses[f"loss_{phase.name}"] = loss.detach()
        stats.update(phase_stats)
    values = {k: float(v) for k, v in {**losses, **stats}.items()}  # one device sync per step
    if not all(math.isfinite(v) for v in values.values()):
        raise TrainingDiverged(f"training diverged: a loss became non-finite ({values}); the last saved "
                               "checkpoint is kept — lower --lr or resume from it")
    return values


@contextlib.contextmanager
def weights_frozen(modules: list[nn.Module]):
    """A phase that needs gradients *through* a network, not its weight gradients (discarded at that network's
    own phase), skips one weight-gradient pass by freezing it. DDP modules are left alone, since their gradient
    buckets expect every parameter in every backward."""
    frozen = [m for m in modules if not isinstance(m, nn.parallel.DistributedDataParallel)]
    for module in frozen:
        module.requires_grad_(False)
    try:
        yield
    finally:
        for module in frozen:
            module.requires_grad_(True)


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
