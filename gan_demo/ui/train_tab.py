"""The Train tab: watch a GAN learn. A small run on the CPU, its sample grid from a fixed z and its loss curves
updating live, a stop button that stops at once, and the result served in the other tabs for the session.

This is the one place in ``gan_demo`` that calls ``train`` (its public ``fit``), as DESIGN.md allows.
"""
from __future__ import annotations

import functools
import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from ..loading import load
from .errors import user_errors
from .registry import ModelRegistry

log = logging.getLogger(__name__)
DATASETS = {
    "MNIST digits, conditional GAN (28 px)": ("cgan", "mnist", 28),
    "MNIST digits, DCGAN (28 px)": ("dcgan", "mnist", 28),
    "OpenMoji emoji, DCGAN (32 px)": ("dcgan", "openmoji", 32),
}
SAVE_EVERY = 10  # steps between live updates (each writes a complete, loadable checkpoint)
MAX_LIVE_RUNS = 2  # at once, across all users: the CPU is shared with everyone's inference
RUN_ROOT = Path(tempfile.gettempdir()) / "gan_playground_live_runs"
_live_slots = threading.BoundedSemaphore(MAX_LIVE_RUNS)


@dataclass
class LiveRun:
    """One background training run and what the page shows of it."""

    kind: str
    folder: Path
    stop: threading.Event = field(default_factory=threading.Event)
    grid: object = None
    history: list = field(default_factory=list)
    step: int = 0
    error: str = ""
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


@functools.lru_cache(maxsize=None)
def live_data(choice: str):
    """The dataset of a choice, loaded once per process (OpenMoji: the first 1,024 training emoji)."""
    from train.data import load_image_data, load_openmoji

    _, data_name, size = DATASETS[choice]
    return load_openmoji(size, limit=1024) if data_name == "openmoji" else load_image_data(data_name, size)


def preload_in_background() -> None:
    """Load the live-training data while the page is idle, so pressing Start shows samples within seconds."""
    def load_all():
        for choice in DATASETS:
            try:
                live_data(choice)
            except Exception:  # reported when the user starts that run
                log.warning("could not preload %s", choice, exc_info=True)

    threading.Thread(target=load_all, name="preload-live-data", daemon=True).start()


def start_run(choice: str, steps: int) -> LiveRun:
    from train.image_gan import default_augment
    from train.loop import TrainOptions, fit
    from train.tasks import ImageGANTask

    from ..models import MODEL_KINDS

    kind, data_name, size = DATASETS[choice]
    RUN_ROOT.mkdir(parents=True, exist_ok=True)
    run = LiveRun(kind, Path(tempfile.mkdtemp(prefix=f"live-{kind}-", dir=RUN_ROOT)))

    def work():
        try:
            data = live_data(choice)
            config_class, generator_class, discriminator_class = MODEL_KINDS[kind]
            fields = dict(image_size=size, channels=int(data.images.shape[1]), base_width=32)
            if kind == "cgan":
                fields.update(num_classes=len(data.class_names), class_names=data.class_names)
            config = config_class(**fields)
            from train.augment import parse_policy

            task = ImageGANTask(kind, config, generator_class(config), discriminator_class(config),
                                augment=parse_policy(default_augment(data_name)))
            # no EMA: a few hundred steps are too few to average, and the grid should show the live generator
            options = TrainOptions(epochs=1000, batch_size=32, max_steps=steps, save_every=SAVE_EVERY,
                                   ema_decay=0.0, device="cpu", command=f"Train tab: {choice}, {steps} steps")

            def progress(step, history, grid):
                run.step, run.history, run.grid = step, list(history), grid

            fit(task, data, options, run.folder, should_stop=run.stop.is_set, on_progress=progress,
                show_progress=False)
        except Exception as error:  # shown on the page; the app keeps serving
            run.error = f"{type(error).__name__}: {error}"
        finally:
            _live_slots.release()

    if not _live_slots.acquire(blocking=False):
        raise ValueError(f"{MAX_LIVE_RUNS} training runs are already going on this server; try again shortly")
    run.thread = threading.Thread(target=work, name=run.folder.name, daemon=True)
    run.thread.start()
    return run


def loss_table(history: list[dict]):
    """Long-format rows for a gr.LinePlot: step, value, series."""
    import pandas as pd

    rows = [{"step": row["step"], "loss": row[name], "series": name} for row in history
            for name in ("loss_D", "loss_G") if name in row]
    return pd.DataFrame(rows, columns=["step", "loss", "series"])


def build_train_tab(registry: ModelRegistry, model_pickers: dict[str, gr.Dropdown]) -> None:
    @user_errors
    def start(choice, steps, run):
        if run is not None and run.running:
            raise ValueError("your run is still going: stop it first")
        if choice not in DATASETS:
            raise ValueError(f"choose one of: {', '.join(DATASETS)}")
        run = start_run(choice, int(steps))
        yield run, None, loss_table([]), "Loading the data and building the models …"
        while run.running:
            time.sleep(0.5)
            yield run, run.grid, loss_table(run.history), f"step {run.step} of {int(steps)}"
        if run.error:
            yield run, run.grid, loss_table(run.history), f"The run failed: {run.error}"
            return
        name = run.folder.name
        registry.add(name, load(str(run.folder)))
        stopped = "stopped" if run.stop.is_set() else "finished"
        yield (run, run.grid, loss_table(run.history),
               f"Run {stopped} at step {run.step}: **{name}** is now in the {run.kind.upper()} tab's model list.")

    def stop(run):
        if run is not None:
            run.stop.set()
        return "Stopping …" if run is not None and run.running else "No run is going."

    def refresh_pickers():
        return [gr.Dropdown(choices=registry.names(kind)) for kind in model_pickers]

    preload_in_background()
    gr.Markdown("Train a small GAN on the CPU and watch it learn: the grid shows the generator's images from "
                "a fixed z, the plot the discriminator's and generator's losses.")
    with gr.Row():
        choice = gr.Radio(list(DATASETS), value=next(iter(DATASETS)), label="What to learn")
        steps = gr.Slider(50, 1000, value=300, step=10, label="Steps")
    with gr.Row():
        go = gr.Button("Start training", variant="primary", elem_id="train-start")
        halt = gr.Button("Stop", variant="stop", elem_id="train-stop")
    status = gr.Markdown(elem_id="train-status")
    with gr.Row():
        grid = gr.Image(label="Samples from a fixed z", format="png", elem_classes=["pixelated"], height=360,
                        interactive=False, elem_id="train-grid")
        curves = gr.LinePlot(x="step", y="loss", color="series", label="Losses", height=360)
    run = gr.State(None)
    go.click(start, [choice, steps, run], [run, grid, curves, status], api_visibility="private",
             concurrency_limit=MAX_LIVE_RUNS, show_progress="hidden").then(
        refresh_pickers, None, list(model_pickers.values()), api_visibility="private")
    halt.click(stop, run, status, api_visibility="private", concurrency_limit=None)
