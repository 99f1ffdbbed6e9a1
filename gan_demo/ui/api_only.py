"""Endpoints for scripts that have no widget of their own on the page (hidden components carry their inputs)."""
from __future__ import annotations

import gradio as gr

from ..sketch import checked_image
from .errors import number, user_errors
from .served import ServedModels

JUDGED_VIEWS = ("latent", "conditional")  # views whose models ship a discriminator of images


def build_api_endpoints(served: ServedModels) -> None:
    @user_errors
    def realness(model_name, image, label):
        """The model's discriminator on an image: the probability it gives to "real" (label: cGANs only)."""
        model = served.get(model_name, *JUDGED_VIEWS)
        if image is None:
            raise ValueError("send an image to judge")
        if model.classes is None:
            label = None
        elif isinstance(label, float):
            label = int(number(label, "label")) if label.is_integer() else label
        return round(model.realness(checked_image(image), label), 4)

    with gr.Row(visible=False):
        model = gr.Textbox(label="model")
        image = gr.Image(type="pil", image_mode=None, label="image")
        label = gr.Textbox(label="label")
        score = gr.Number(label="realness")
        trigger = gr.Button("realness")
    trigger.click(realness, [model, image, label], score, api_name="realness")
