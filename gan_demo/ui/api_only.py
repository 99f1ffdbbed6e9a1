"""Endpoints for scripts that have no widget of their own on the page (hidden components carry their inputs)."""
from __future__ import annotations

import gradio as gr

from ..sketch import open_upload
from .errors import number, user_errors
from .registry import ModelRegistry


def build_api_endpoints(registry: ModelRegistry) -> None:
    @user_errors
    def realness(model_name, image_path, label):
        """The model's discriminator on an image: the probability it gives to "real" (label: cGANs only)."""
        model = registry.get_generator(model_name)
        if image_path is None:
            raise ValueError("send an image to judge")
        if model.classes is None:
            label = None
        elif isinstance(label, float):
            label = int(number(label, "label")) if label.is_integer() else label
        return round(model.realness(open_upload(image_path), label), 4)

    with gr.Row(visible=False):
        model = gr.Textbox(label="model")
        image = gr.Image(type="filepath", label="image")
        label = gr.Textbox(label="label")
        score = gr.Number(label="realness")
        trigger = gr.Button("realness")
    trigger.click(realness, [model, image, label], score, api_name="realness")
