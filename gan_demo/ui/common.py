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
SLIDER_RANGE = 3.0
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
    """z of ``seed`` with its first coordinates replaced by the slider values, then truncated."""
    z = model.sample_z(1, seed_value(seed))
    values = [number(v, f"z[{i}]") for i, v in enumerate(slider_values)]
    if any(abs(v) > 10 for v in values):
        raise ValueError("latent sliders range from -10 to 10")
    z[0, :len(values)] = torch.tensor(values)
    return z * truncation_value(truncation)


def slider_values_for(model, seed) -> list[float]:
    z = model.sample_z(1, seed_value(seed))[0, :LATENT_SLIDERS]
    return [round(float(v), 2) for v in z.clamp(-SLIDER_RANGE, SLIDER_RANGE)]


def latent_sliders() -> list[gr.Slider]:
    return [gr.Slider(-SLIDER_RANGE, SLIDER_RANGE, value=0.0, step=0.01, label=f"z[{i}]", min_width=120,
                      elem_classes=["latent-slider"]) for i in range(LATENT_SLIDERS)]


def display_image(label: str, elem_id: str) -> gr.Image:
    return gr.Image(label=label, format="png", height=320, elem_id=elem_id, elem_classes=["pixelated", "fill-image"], interactive=False,
                    buttons=["download"])


def new_seed() -> int:
    return random_seed()


def interpolation_frames(model, seed_a, seed_b, frames, truncation=1.0, label=None):
    """Images along the great circle between the z of two seeds (one label for a cGAN)."""
    frames = int(number(frames, "frames")) if float(number(frames, "frames")).is_integer() else frames
    z_a = model.sample_z(1, seed_value(seed_a), truncation_value(truncation))
    z_b = model.sample_z(1, seed_value(seed_b), truncation_value(truncation))
    path = interpolation_path(z_a, z_b, frames)
    labels = None if label is None else [label] * len(path)
    return model.generate(z=path, labels=labels)


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
