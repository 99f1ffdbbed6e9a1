"""Endpoints for scripts that have no widget of their own on the page (hidden components carry their inputs)."""
from __future__ import annotations

import gradio as gr
from PIL import Image

from ..sketch import checked_image
from .errors import number, user_errors
from .served import ServedModels

JUDGED_VIEWS = ("latent", "conditional")  # views whose models ship a discriminator of images


def build_api_endpoints(served: ServedModels) -> None:
    @user_errors
    def realness(model_name: str, image: Image.Image, label: str) -> float:
        """Ask the detective: how real a model's own discriminator finds an image (a drawing, a photo, a sample).

        Args:
            model_name: a DCGAN or conditional GAN of the app, e.g. "mnist-cgan".
            image: any image; drawings in dark ink on white are inverted and framed like MNIST for digit models.
            label: for a conditional GAN, the class it should be judged as ("7"); empty for a DCGAN.
        Returns:
            the probability, from 0 to 1, that the discriminator gives to "a real training image".
        """
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
