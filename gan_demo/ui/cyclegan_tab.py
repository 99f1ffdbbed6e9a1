"""The CycleGAN view: an image of one domain in the other's style, and the round trip back beside it (the cycle
the model is trained to keep). Examples are held-out emoji drawn in both styles."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
from PIL import Image

from ..sketch import checked_image
from . import common
from .errors import user_errors
from .served import ServedModels

VIEW = "domains"
TAB = "cyclegan"
TITLE = "CycleGAN"
EXAMPLE_DIR = Path(__file__).resolve().parent / "examples" / "emoji-styles"


def direction_labels(model) -> list[tuple[str, str]]:
    """("OpenMoji → Twemoji", "AtoB"), ... for the directions the model has."""
    a, b = model.domains
    names = {"AtoB": f"{a} → {b}", "BtoA": f"{b} → {a}"}
    return [(names[d], d) for d in model.directions]


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    @user_errors
    def cyclegan_translate(model_name: str, image: Image.Image, direction: str) -> Image.Image:
        """Redraw an image in the other domain's style with a CycleGAN (trained without pairs).

        Args:
            model_name: a CycleGAN of the app, e.g. "openmoji-twemoji-cyclegan".
            image: the picture to translate, any size (brought to the model's size, aspect ratio kept).
            direction: "AtoB" or "BtoA"; for openmoji-twemoji-cyclegan A is OpenMoji and B is Twemoji.
        Returns:
            the translated image (PNG).
        """
        model = served.get(model_name, VIEW)
        if image is None:
            raise ValueError("give an image to translate")
        return model.translate(checked_image(image), direction)

    @user_errors
    def round_trip(model_name, image, direction):
        model = served.get(model_name, VIEW)
        if image is None:
            return None, None, "Pick an example, upload an emoji or paste an image."
        if len(model.directions) < 2:
            return cyclegan_translate(model_name, image, direction), None, "This model translates one way only."
        there, back = model.round_trip(checked_image(image), direction)
        return there, back, ""

    @user_errors
    def model_changed(model_name):
        model = served.get(model_name, VIEW)
        choices = direction_labels(model)
        return gr.Radio(choices=choices, value=choices[0][1])

    names = served.names(VIEW)
    if not names:
        common.no_models_note(VIEW)
        return None
    first = served.get(names[0], VIEW)
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model")
            direction = gr.Radio(direction_labels(first), value=first.directions[0], label="Direction",
                                 elem_id="cyclegan-direction")
            source = gr.Image(type="pil", image_mode=None, sources=["upload", "clipboard"], label="Your image",
                              height=220, elem_id="cyclegan-input")
            hint = gr.Markdown()
        with gr.Column(scale=2):
            with gr.Row():
                there = gr.Image(label="In the other style", format="png", interactive=False, height=256,
                                 elem_classes=["pixelated", "fill-image"], elem_id="cyclegan-output")
                back = gr.Image(label="…and back again (the cycle)", format="png", interactive=False, height=256,
                                elem_classes=["pixelated", "fill-image"], elem_id="cyclegan-back")
    examples = sorted(EXAMPLE_DIR.glob("*.png"))
    if examples:
        gr.Examples([[str(p), "AtoB" if p.name.startswith("openmoji") else "BtoA"] for p in examples],
                    [source, direction], label="Held-out emoji (never trained on), as OpenMoji and as Twemoji "
                    "draw them: click one", examples_per_page=4, elem_id="cyclegan-examples")
    private = {"api_visibility": "private"}
    gr.on([source.change, direction.change], round_trip, [model, source, direction], [there, back, hint],
          trigger_mode="always_last", **private)
    model.input(model_changed, model, direction, **private).then(
        round_trip, [model, source, direction], [there, back, hint], **private)
    with gr.Row(visible=False):
        api_run = gr.Button()
    api_run.click(cyclegan_translate, [model, source, direction], there, api_name="cyclegan_translate")
    return common.TabParts(model, example_on_open=(source, str(examples[0])) if examples else None)
