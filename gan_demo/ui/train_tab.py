"""The Train tab: watch a GAN learn. A small run on the CPU, its sample grid from a fixed z and its loss curves
updating live, a stop button that stops at once, and the result served in the other tabs for the session.

This is the one place in ``gan_demo`` that calls ``train``, through its one public entry point ``train.api``.
"""
from __future__ import annotations

import logging
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import gradio as gr

from train.api import live_presets, preload, train_live

from ..loading import load
from .errors import user_errors
from .served import ServedModels

log = logging.getLogger(__name__)
MAX_LIVE_RUNS = 2  # at once, across all users: the CPU is shared with everyone's inference
RUN_ROOT = Path(tempfile.gettempdir()) / "gan_playground_live_runs"
_live_slots = threading.BoundedSemaphore(MAX_LIVE_RUNS)


@dataclass
class LiveRun:
    """One background training run and what the page shows of it."""

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


def preload_in_background() -> None:
    """Load the live-training data while the page is idle, so pressing Start shows samples within seconds."""
    def load_all():
        for preset in live_presets():
            try:
                preload(preset)
            except Exception:  # reported when the user starts that run
                log.warning("could not preload %s", preset, exc_info=True)

    threading.Thread(target=load_all, name="preload-live-data", daemon=True).start()


def start_run(title: str, steps: int) -> LiveRun:
    """A live run of the preset titled ``title`` in a thread of its own (at most MAX_LIVE_RUNS at once)."""
    preset = {title: name for name, title in live_presets().items()}[title]
    RUN_ROOT.mkdir(parents=True, exist_ok=True)
    run = LiveRun(Path(tempfile.mkdtemp(prefix=f"{preset}-", dir=RUN_ROOT)))

    def progress(step, history, grid):
        run.step, run.history, run.grid = step, list(history), grid

    def work():
        try:
            train_live(preset, steps, run.folder, should_stop=run.stop.is_set, on_progress=progress)
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
            yield run, run.grid, loss_table(run.history), f"step {run.step} of {int(steps)}"
        if run.error:
            yield run, run.grid, loss_table(run.history), f"The run failed: {run.error}"
            return
        name = run.folder.name
        served.add(name, load(str(run.folder)))
        stopped = "stopped" if run.stop.is_set() else "finished"
        tab = tab_titles.get(served.view_of(name), "its")
        yield (run, run.grid, loss_table(run.history),
               f"Run {stopped} at step {run.step}: **{name}** is now in the {tab} tab's model list.")

    def stop(run):
        if run is not None:
            run.stop.set()
        return "Stopping …" if run is not None and run.running else "No run is going."

    def refresh_pickers():
        return [gr.Dropdown(choices=served.names(kind)) for kind in model_pickers]

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
