"""The Train tab: watch a GAN learn. A small run on the CPU, its sample grid from a fixed z and its loss curves
updating live, a stop button that stops at once, and the result served in the other tabs for the session.

This is the one place in ``gan_demo`` that calls ``train``, through its one public entry point ``train.api``.
"""
from __future__ import annotations

import contextvars
import logging
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from PIL import Image

from train.api import LOSSES_FILE, live_presets, preload, train_live

from ..loading import load
from .errors import user_errors
from .hardware import accelerated, training_device
from .served import ServedModels

log = logging.getLogger(__name__)
MAX_LIVE_RUNS = 2  # at once, across all users: the CPU is shared with everyone's inference
RUN_ROOT = Path(tempfile.gettempdir()) / "gan_playground_live_runs"
STOP_FILE = "training/stop"  # its existence asks the run to stop at its next step
_live_slots = threading.BoundedSemaphore(MAX_LIVE_RUNS)


@dataclass
class LiveRun:
    """One background training run. The page reads its progress from the run folder (the sample grid and
    losses.csv, written atomically at every save) and asks it to stop with a file, so the same code works when
    the training runs in another process (a ZeroGPU worker) as when it runs in a thread of this one."""

    folder: Path
    steps: int
    error: str = ""
    thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def request_stop(self) -> None:
        (self.folder / STOP_FILE).parent.mkdir(parents=True, exist_ok=True)
        (self.folder / STOP_FILE).touch()

    @property
    def stop_requested(self) -> bool:
        return (self.folder / STOP_FILE).exists()

    def history(self) -> list[dict]:
        """The rows of losses.csv so far."""
        try:
            lines = (self.folder / LOSSES_FILE).read_text().splitlines()
        except FileNotFoundError:
            return []
        columns = lines[0].split(",") if lines else []
        return [{c: float(v) for c, v in zip(columns, line.split(",")) if v} for line in lines[1:]]  # "": not logged

    def grid(self):
        path = self.folder / "sample_grid.png"
        if not path.exists():
            return None
        with Image.open(path) as image:
            return image.copy()


def preload_in_background() -> None:
    """Load the live-training data while the page is idle, so pressing Start shows samples within seconds."""
    def load_all():
        for preset in live_presets():
            try:
                preload(preset)
            except Exception:  # reported when the user starts that run
                log.warning("could not preload %s", preset, exc_info=True)

    threading.Thread(target=load_all, name="preload-live-data", daemon=True).start()


def live_gpu_seconds(preset: str, steps: int, folder: str) -> int:
    """The GPU time a live run asks ZeroGPU for: start-up plus a generous 0.1 s a step (these small networks
    take a few milliseconds a step on a GPU)."""
    return 30 + int(steps) // 10


@accelerated(duration=live_gpu_seconds)
def run_live(preset: str, steps: int, folder: str) -> None:
    """The whole live run; on ZeroGPU hardware it gets a GPU (see hardware.py), elsewhere it runs here."""
    out = Path(folder)
    train_live(preset, steps, out, should_stop=(out / STOP_FILE).exists, device=training_device())


def start_run(title: str, steps: int) -> LiveRun:
    """A live run of the preset titled ``title`` in a thread of its own (at most MAX_LIVE_RUNS at once)."""
    preset = {title: name for name, title in live_presets().items()}[title]
    RUN_ROOT.mkdir(parents=True, exist_ok=True)
    run = LiveRun(Path(tempfile.mkdtemp(prefix=f"{preset}-", dir=RUN_ROOT)), steps)

    def work():
        try:
            run_live(preset, steps, str(run.folder))
        except Exception as error:  # shown on the page; the app keeps serving
            run.error = f"{type(error).__name__}: {error}"
        finally:
            _live_slots.release()

    if not _live_slots.acquire(blocking=False):
        raise ValueError(f"{MAX_LIVE_RUNS} training runs are already going on this server; try again shortly")
    # the request's context goes with the thread: ZeroGPU schedules the GPU for the visitor who asked
    context = contextvars.copy_context()
    run.thread = threading.Thread(target=context.run, args=(work,), name=run.folder.name, daemon=True)
    run.thread.start()
    return run


def loss_table(history: list[dict]):
    """Long-format rows for a gr.LinePlot: step, value, series."""
    import pandas as pd

    rows = [{"step": row["step"], "loss": row[name], "series": name} for row in history
            for name in ("loss_D", "loss_G") if name in row]
    return pd.DataFrame(rows, columns=["step", "loss", "series"])


def build_train_tab(served: ServedModels, model_pickers: dict[str, gr.Dropdown], tab_titles: dict[str, str]) -> None:
    """The tab; ``model_pickers`` (view -> its model picker) get the new model when a run ends, and the message
    names the tab (``tab_titles``: view -> title) where it appears."""
    @user_errors
    def start(choice, steps, run):
        if run is not None and run.running:
            raise ValueError("your run is still going: stop it first")
        if choice not in live_presets().values():
            raise ValueError(f"choose one of: {', '.join(live_presets().values())}")
        run = start_run(choice, int(steps))
        yield run, None, loss_table([]), "Loading the data and building the models …"
        while run.running:
            time.sleep(0.5)
            history = run.history()
            step = int(history[-1]["step"]) if history else 0
            yield run, run.grid(), loss_table(history), f"step {step} of {int(steps)}"
        history = run.history()
        if run.error:
            yield run, run.grid(), loss_table(history), f"The run failed: {run.error}"
            return
        name = run.folder.name
        served.add(name, load(str(run.folder)))
        stopped = "stopped" if run.stop_requested else "finished"
        tab = tab_titles.get(served.view_of(name), "its")
        step = int(history[-1]["step"]) if history else 0
        yield (run, run.grid(), loss_table(history),
               f"Run {stopped} at step {step}: **{name}** is now in the {tab} tab's model list.")

    def stop(run):
        if run is not None:
            run.request_stop()
        return "Stopping …" if run is not None and run.running else "No run is going."

    def refresh_pickers():
        return [gr.Dropdown(choices=served.names(view)) for view in model_pickers]

    preload_in_background()
    gr.Markdown("Train a small GAN on the CPU and watch it learn: the grid shows the generator's images from "
                "a fixed z, the plot the discriminator's and generator's losses.")
    with gr.Row():
        titles = list(live_presets().values())
        choice = gr.Radio(titles, value=titles[0], label="What to learn")
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
