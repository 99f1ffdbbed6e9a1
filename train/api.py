"""The one entry point through which the app reaches training (its Train tab): a live run of a preset, built
exactly as `python -m train --preset NAME` builds it."""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable

from . import presets
from .cli import build_parser
from .options import TrainOptions
from .run_files import LOSSES_FILE
from .tasks import task_class


__all__ = ["LOSSES_FILE", "live_presets", "preload", "train_live"]
LIVE_SAVE_EVERY = 10  # steps between live updates (each writes a complete, loadable checkpoint)


def live_presets() -> dict[str, str]:
    """Preset name -> what it trains, for the presets small enough to watch live."""
    return {name: title for name, (title, _) in presets.PRESETS.items() if name.startswith("live-")}


@functools.lru_cache(maxsize=None)
def _live_data(preset: str):
    """A preset's dataset, loaded once per process (live runs restart often)."""
    args = _args(preset, steps=1, out=Path("unused"))
    return task_class(args.command).load_data(args)


def _args(preset: str, steps: int, out: Path):
    if preset not in live_presets():
        raise ValueError(f"choose one of: {', '.join(live_presets().values())}")
    argv = presets.expand(["--preset", preset, "--out", str(out), "--max-steps", str(steps), "--quiet"])
    args = build_parser().parse_args(argv)
    args.command_line = f"Train tab: {live_presets()[preset]}, {steps} steps"
    task_class(args.command).validate(args)
    return args


def preload(preset: str) -> None:
    """Load a preset's data ahead of time, so pressing Start shows samples within seconds."""
    _live_data(preset)


def train_live(preset: str, steps: int, out: Path, should_stop: Callable[[], bool],
               on_progress: Callable | None = None, device: str | None = None) -> Path:
    """Train ``preset`` for ``steps`` steps into ``out`` (on ``device``, else the preset's), saving (and calling
    ``on_progress(step, history, grid)``) every LIVE_SAVE_EVERY steps; ``should_stop()`` ends it at the next
    step. Progress can also be read from the folder (sample_grid.png, LOSSES_FILE). Returns the run folder."""
    import torch

    from .loop import fit

    args = _args(preset, steps, out)
    args.device = device or args.device
    task = task_class(args.command)
    data = _live_data(preset)
    torch.manual_seed(args.seed)
    options = TrainOptions.from_flags(args, **task.option_overrides(args))
    options.save_every = LIVE_SAVE_EVERY
    return fit(task.from_args(args, data), data, options, out, should_stop=should_stop, on_progress=on_progress,
               show_progress=False)

