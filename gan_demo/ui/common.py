"""Pieces shared by the generator tabs: seeds, validated inputs, display images, GIF files."""
from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr
import torch

from ..generate import check_seed, check_truncation, random_seed
from ..latent import gif_bytes, interpolation_path, strip
from .errors import number

LATENT_SLIDERS = 8  # coordinates of z the user can edit directly
DIRECTION_SLIDERS = 8  # semantic (GANSpace) directions shown when the checkpoint has them
SLIDER_RANGE = 3.0
DIRECTION_RANGE = 6.0
GIF_DIR = Path(tempfile.gettempdir()) / "gan_playground_gifs"

# small images are sent at model size and enlarged by the browser without smoothing
PIXEL_CSS = """
.pixelated img { image-rendering: pixelated; image-rendering: crisp-edges; }
.fill-image img { width: 100%; height: 100%; object-fit: contain; }
"""


def seed_value(seed) -> int:
    return check_seed(number(seed, "seed"))


def truncation_value(truncation) -> float:
    return check_truncation(number(truncation, "truncation"))


def latent_from(model, seed, truncation, slider_values) -> torch.Tensor:
    """z of ``seed`` with its first coordinates set by the z sliders, moved along the model's semantic
    directions by the direction sliders (all at 0: the seed's own image), then truncated."""
    z_values, direction_values = slider_values[:LATENT_SLIDERS], slider_values[LATENT_SLIDERS:]
    z = model.sample_z(1, seed_value(seed))
    values = [number(v, f"z[{i}]") for i, v in enumerate(z_values)]
    amounts = [number(v, f"direction {i + 1}") for i, v in enumerate(direction_values)]
    if any(abs(v) > 10 for v in values + amounts):
        raise ValueError("latent and direction sliders range from -10 to 10")
    z[0, :len(values)] = torch.tensor(values)
    if model.directions is not None and any(amounts):
        z = model.directions.apply(z, amounts[:len(model.directions.vectors)])
    return z * truncation_value(truncation)


def slider_values_for(model, seed) -> list[float]:
    """The seed's first z coordinates for the z sliders, and 0 for every direction slider."""
    z = model.sample_z(1, seed_value(seed))[0, :LATENT_SLIDERS]
    return [round(float(v), 2) for v in z.clamp(-SLIDER_RANGE, SLIDER_RANGE)] + [0.0] * DIRECTION_SLIDERS


def direction_sliders() -> list[gr.Slider]:
    return [gr.Slider(-DIRECTION_RANGE, DIRECTION_RANGE, value=0.0, step=0.05, label=f"direction {i + 1}",
                      min_width=160, elem_classes=["direction-slider"]) for i in range(DIRECTION_SLIDERS)]


def direction_slider_updates(model) -> list:
    """Label each direction slider with its share of variance; hide them for models without directions."""
    labels = model.directions.labels() if model.directions is not None else []
    return [gr.Slider(label=labels[i], visible=True, value=0.0) if i < len(labels) else
            gr.Slider(visible=False, value=0.0) for i in range(DIRECTION_SLIDERS)]


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
    """The frames as a looping GIF file (Gradio serves files by path)."""
    GIF_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=GIF_DIR, suffix=".gif", delete=False) as handle:
        handle.write(gif_bytes(images))
    return handle.name


def interpolation_outputs(images):
    return strip(images), write_gif(images)


def no_models_note(kind: str) -> None:
    gr.Markdown(f"No {kind} model is installed. Train one with `python -m train {kind} --data ... --out "
                f"checkpoints/NAME` and restart the app.")


def seed_controls(prefix: str) -> tuple[gr.Number, gr.Button, gr.Slider]:
    """Seed box, its random button, and the truncation slider; the button fills the box, whose change renders."""
    with gr.Row():
        seed = gr.Number(value=0, precision=0, minimum=0, label="Seed", elem_id=f"{prefix}-seed")
        randomise = gr.Button("🎲 Random", scale=0)
    truncation = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Truncation",
                           info="1 = as trained; lower pulls z towards the average image")
    randomise.click(new_seed, None, seed, api_visibility="private")
    return seed, randomise, truncation


def slider_panel() -> tuple[list[gr.Slider], list[gr.Slider], gr.Button]:
    """Direction sliders (with a reset) above the raw z sliders."""
    gr.Markdown("**Semantic directions** (principal directions of the generator's first layer, mapped to z): "
                "0 everywhere is the seed's own image.")
    with gr.Row():
        directions = direction_sliders()
    reset = gr.Button("Reset sliders", size="sm")
    gr.Markdown("**Raw latent coordinates**: each slider is one coordinate of z; the image re-renders on release.")
    with gr.Row():
        sliders = latent_sliders()
    return sliders, directions, reset


def interpolation_outputs_panel():
    strip = gr.Image(label="Frames", format="png", elem_classes=["pixelated"], interactive=False)
    gif = gr.File(label="Animated GIF")
    return strip, gif
