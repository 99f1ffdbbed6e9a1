"""Pieces shared by the generator tabs: seeds, validated inputs, display images, GIF files."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradio as gr
import torch

from ..generate import check_seed, check_truncation, random_seed
from ..latent import gif_bytes, interpolation_path, strip
from ..registry import kinds_in_view
from ..sketch import checked_image
from . import page_state
from .errors import number

LATENT_SLIDERS = 8  # coordinates of z the user can edit directly
DIRECTION_SLIDERS = 8  # semantic (GANSpace) directions shown when the checkpoint has them
DIRECTIONS_PER_ROW = 4  # their labels ("direction 1 — 9 % of variance") need the width of a quarter row
SLIDER_RANGE = 3.0
DIRECTION_RANGE = 6.0
GIF_DIR = Path(tempfile.gettempdir()) / "gan_playground_gifs"
KEPT_GIFS = 32  # Gradio copies a returned file into its own cache at once; older ones here are only clutter

# small images are sent at model size and enlarged by the browser without smoothing
PIXEL_CSS = """
.pixelated img { image-rendering: pixelated; image-rendering: crisp-edges; }
.fill-image img { width: 100%; height: 100%; object-fit: contain; }
"""


@dataclass
class TabParts:
    """What the page needs of a built view."""

    picker: gr.Dropdown  # the model picker (refreshed when the Train tab adds a model)
    query: gr.Textbox | None = None  # (hidden) the URL query that reopens what the tab shows, for linked views
    # (input, example file): the tab's first opening puts the example there, so the model is seen at work
    example_on_open: tuple[gr.Image, str] | None = None


def composite_image(sketch):
    """The flattened drawing from a Sketchpad value (a dict of images), or None for no drawing at all."""
    if sketch is None:
        return None
    if isinstance(sketch, dict):
        image = sketch.get("composite") or sketch.get("background")
        return None if image is None else checked_image(image)
    return checked_image(sketch)


def seed_value(seed) -> int:
    return check_seed(number(seed, "seed"))


def truncation_value(truncation) -> float:
    return check_truncation(number(truncation, "truncation"))


def latent_from(model, seed, slider_values) -> torch.Tensor:
    """z of ``seed`` with its first coordinates set by the z sliders (those moved off the seed's value), moved
    along the model's semantic directions by the direction sliders (all at 0: the seed's own image). Truncation is
    left to the model's ``generate``: a StyleGAN truncates in w, not in z."""
    z_values, direction_values = slider_values[:LATENT_SLIDERS], slider_values[LATENT_SLIDERS:]
    z = model.sample_z(1, seed_value(seed))
    values = [number(v, f"z[{i}]") for i, v in enumerate(z_values)]
    amounts = [number(v, f"direction {i + 1}") for i, v in enumerate(direction_values)]
    if any(abs(v) > 10 for v in values + amounts):
        raise ValueError("latent and direction sliders range from -10 to 10")
    own = slider_values_for(model, seed)
    for i, value in enumerate(values):
        if value != own[i]:  # a slider still at the seed's (rounded) value keeps the exact coordinate
            z[0, i] = value
    if model.directions is not None and any(amounts):
        z = model.directions.apply(z, amounts[:len(model.directions.vectors)])
    return z


def slider_values_for(model, seed) -> list[float]:
    """The seed's first z coordinates for the z sliders, and 0 for every direction slider."""
    z = model.sample_z(1, seed_value(seed))[0, :LATENT_SLIDERS]
    return [round(float(v), 2) for v in z.clamp(-SLIDER_RANGE, SLIDER_RANGE)] + [0.0] * DIRECTION_SLIDERS


def direction_sliders(numbers: range) -> list[gr.Slider]:
    return [gr.Slider(-DIRECTION_RANGE, DIRECTION_RANGE, value=0.0, step=0.05, label=f"direction {i + 1}",
                      min_width=160, elem_classes=["direction-slider"]) for i in numbers]


def direction_slider_updates(model, values=()) -> list:
    """Label each direction slider with its share of variance (and set it to ``values``, else 0); hide them
    for models without directions."""
    labels = model.directions.labels() if model.directions is not None else []
    values = list(values)[:len(labels)] + [0.0] * DIRECTION_SLIDERS
    return [gr.Slider(label=labels[i], visible=True, value=values[i]) if i < len(labels) else
            gr.Slider(visible=False, value=0.0) for i in range(DIRECTION_SLIDERS)]


def requested_view(request: gr.Request | None, tab: str, model_names: list[str]) -> page_state.ViewState:
    """The view a shared link asks ``tab`` for, else the default; a bad link is a warning, never a broken page."""
    try:
        view = page_state.from_query(dict(request.query_params) if request else {}, tab)
    except ValueError as error:
        gr.Warning(f"{error}; showing the default image instead.")
        view = None
    view = view or page_state.ViewState(tab)
    latent, directions = view.latent or [], view.directions
    if any(abs(v) > SLIDER_RANGE for v in latent) or any(abs(v) > DIRECTION_RANGE for v in directions):
        gr.Warning(f"The link's z values reach past ±{SLIDER_RANGE:g} or its directions past ±{DIRECTION_RANGE:g}, "
                   "the sliders' ends; they are set to the ends.")
        view.latent = [max(-SLIDER_RANGE, min(SLIDER_RANGE, v)) for v in latent] if view.latent else None
        view.directions = [max(-DIRECTION_RANGE, min(DIRECTION_RANGE, v)) for v in directions]
    if view.model not in model_names:
        if view.model is not None:
            gr.Warning(f"The link's model {page_state.shown(view.model)} is not installed here; "
                       f"showing {model_names[0]}.")
        view.model = model_names[0]
    return view


def view_slider_values(model, view: page_state.ViewState) -> list[float]:
    """Slider values for ``view``: its z values (the seed's own where it names none) and its directions."""
    own = slider_values_for(model, view.seed)[:LATENT_SLIDERS]
    latent = (view.latent or []) + own[len(view.latent or []):]
    directions = view.directions + [0.0] * DIRECTION_SLIDERS
    return latent[:LATENT_SLIDERS] + directions[:DIRECTION_SLIDERS]


def restored_view(model, view: page_state.ViewState, label=None) -> list:
    """The controls of a view restored from a link (seed, truncation, z sliders, direction sliders), the seed
    history and the URL query; the tab renders the image from them."""
    values = view_slider_values(model, view)
    history = page_state.remember(page_state.new_history(), view.seed)
    query = shared_query(model, view.tab, view.model, view.seed, view.truncation, values, label)
    return ([view.seed, view.truncation] + values[:LATENT_SLIDERS]
            + direction_slider_updates(model, values[LATENT_SLIDERS:]) + [history, query])


def shared_query(model, tab: str, model_name, seed, truncation, slider_values, label=None) -> str:
    """The URL query that reopens this view; z values are left out while they are the seed's own."""
    values = [round(number(v, "slider"), 2) for v in slider_values]
    latent = values[:LATENT_SLIDERS]
    own = slider_values_for(model, seed)[:LATENT_SLIDERS]
    view = page_state.ViewState(tab, model_name, seed_value(seed), truncation_value(truncation),
                                latent=None if latent == own else latent, directions=values[LATENT_SLIDERS:],
                                label=label)
    return page_state.to_query(view)


def detective_verdict(model, image, label=None) -> str:
    """What the model's own discriminator thinks of ``image``."""
    if image is None or model.discriminator is None:
        return ""
    from PIL import Image

    score = model.realness(Image.fromarray(image), label)
    return f"🕵️ The detective (discriminator) thinks this is **{100 * score:.0f} % real**."


def latent_sliders() -> list[gr.Slider]:
    return [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0.0, step=0.01, label=f"z[{i}]", min_width=120,
                      elem_classes=["latent-slider"]) for i in range(LATENT_SLIDERS)]


def display_image(label: str, elem_id: str) -> gr.Image:
    return gr.Image(label=label, format="png", height=320, elem_id=elem_id,
                    elem_classes=["pixelated", "fill-image"], interactive=False,
                    buttons=["download"])


def new_seed() -> int:
    return random_seed()


def interpolation_frames(model, seed_a, seed_b, frames):
    """Images along the great circle between the z of two seeds."""
    frames = number(frames, "frames")
    z_a, z_b = model.sample_z(1, seed_value(seed_a)), model.sample_z(1, seed_value(seed_b))
    return model.generate(z=interpolation_path(z_a, z_b, int(frames) if frames.is_integer() else frames))


def write_gif(images) -> str:
    """The frames as a looping GIF file (Gradio serves files by path); only the newest KEPT_GIFS stay on disk."""
    GIF_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=GIF_DIR, suffix=".gif", delete=False) as handle:
        handle.write(gif_bytes(images))
    by_age = sorted(GIF_DIR.glob("*.gif"), key=_written_ns, reverse=True)
    for old in by_age[KEPT_GIFS:]:
        old.unlink(missing_ok=True)
    return handle.name


def _written_ns(path: Path) -> int:
    """When the GIF was written; -1 (the oldest) for one another call's clean-up removed since it was listed."""
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return -1


def interpolation_outputs(images):
    return strip(images), write_gif(images)


def no_models_note(view: str) -> None:
    commands = " or ".join(f"`python -m train {name} --data ... --out checkpoints/NAME`"
                           for name in kinds_in_view(view))
    gr.Markdown(f"No model for this view is installed. Train one with {commands} and restart the app.")


class SeedControls:
    """Seed box, random / back / forward buttons, the truncation slider, and the seed history they walk.
    The tab wires what renders; this wires only the history."""

    def __init__(self, prefix: str):
        with gr.Row():
            self.seed = gr.Number(value=0, precision=0, minimum=0, label="Seed", elem_id=f"{prefix}-seed")
            self.back = gr.Button("◀", scale=0, min_width=40, elem_id=f"{prefix}-seed-back")
            self.forward = gr.Button("▶", scale=0, min_width=40, elem_id=f"{prefix}-seed-forward")
            self.randomise = gr.Button("🎲 Random", scale=0, elem_id=f"{prefix}-seed-random")
        self.truncation = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Truncation",
                                    info="1 = as trained; lower pulls z towards the average image")
        self.history = gr.State(page_state.new_history())
        gr.on([self.seed.submit, self.seed.blur], remember_seed, [self.history, self.seed], self.history,
              api_visibility="private")

    def after_new_seed(self, render) -> None:
        """Call ``render(event)``, which chains the tab's rendering on an event, for the random, back and
        forward buttons: each puts a seed in the box first."""
        private = {"api_visibility": "private"}
        render(self.randomise.click(new_seed, None, self.seed, **private).then(
            remember_seed, [self.history, self.seed], self.history, **private))
        render(self.back.click(older_seed, self.history, [self.history, self.seed], **private))
        render(self.forward.click(newer_seed, self.history, [self.history, self.seed], **private))


def remember_seed(history: dict, seed) -> dict:
    try:
        return page_state.remember(history, seed_value(seed))
    except ValueError:
        return history  # the seed box shows its own error when the image renders


def older_seed(history: dict):
    return walk(history, -1)


def newer_seed(history: dict):
    return walk(history, +1)


def walk(history: dict, offset: int):
    history, seed = page_state.step(history, offset)
    return history, gr.skip() if seed is None else seed


def slider_panel() -> tuple[list[gr.Slider], list[gr.Slider], gr.Button]:
    """Direction sliders (with a reset) above the raw z sliders."""
    gr.Markdown("**Semantic directions** (principal directions of the generator's first layer, mapped to z): "
                "0 everywhere is the seed's own image. A model without them shows none here: "
                "`python -m train directions NAME` computes them.")
    directions = []
    for first in range(0, DIRECTION_SLIDERS, DIRECTIONS_PER_ROW):
        with gr.Row():
            directions += direction_sliders(range(first, min(first + DIRECTIONS_PER_ROW, DIRECTION_SLIDERS)))
    reset = gr.Button("Reset sliders", size="sm")
    gr.Markdown("**Raw latent coordinates**: each slider is one coordinate of z; the image re-renders on release.")
    with gr.Row():
        sliders = latent_sliders()
    return sliders, directions, reset


def strip_display(label: str, elem_id: str, visible: bool = True) -> gr.Image:
    """A row of small frames (28 to 64 px each), scaled up to a readable height, pixels kept sharp."""
    return gr.Image(label=label, format="png", elem_classes=["pixelated", "fill-image"], interactive=False,
                    height=110, elem_id=elem_id, visible=visible)


def interpolation_outputs_panel(tab: str):
    strip = strip_display("Frames", f"{tab}-frames")
    gif = gr.File(label="Animated GIF")
    return strip, gif
