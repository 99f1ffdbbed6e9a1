"""The conditional-GAN tab: pick a label ("give it a 7"), a seed, and see every class from one z."""
from __future__ import annotations

import gradio as gr
import torch

from ..images import tensor_grid
from . import common
from .errors import user_errors
from .registry import ModelRegistry

KIND = "cgan"


def build_cgan_tab(demo: gr.Blocks, registry: ModelRegistry) -> None:
    @user_errors
    def cgan_sample(model_name, label, seed):
        """One image of ``label`` from a seed."""
        model = registry.get(model_name, KIND)
        return model.generate(1, seed=common.seed_value(seed), labels=label)[0]

    @user_errors
    def cgan_latent(model_name, label, seed, truncation, *sliders):
        model = registry.get(model_name, KIND)
        return model.generate(z=common.latent_from(model, seed, truncation, sliders), labels=[label])[0]

    @user_errors
    def cgan_grid(model_name, seed):
        """Every class from the same z: what the label alone changes."""
        model = registry.get(model_name, KIND)
        z = model.sample_z(1, common.seed_value(seed)).expand(len(model.classes), -1)
        return tensor_grid(model.generate_tensor(z, torch.arange(len(model.classes))), columns=len(model.classes))

    @user_errors
    def label_choices(model_name):
        classes = registry.get(model_name, KIND).classes
        return gr.Radio(choices=classes, value=classes[min(7, len(classes) - 1)])

    @user_errors
    def sliders_for_seed(model_name, seed):
        return common.slider_values_for(registry.get(model_name, KIND), seed)

    @user_errors
    def interpolate_labels(model_name, label_a, label_b, seed, frames):
        """Same z, the label embedding blended from one class to another."""
        model = registry.get(model_name, KIND)
        return common.interpolation_outputs(model.blend_labels(label_a, label_b, common.seed_value(seed),
                                                               int(common.number(frames, "frames"))))

    names = registry.names(KIND)
    if not names:
        common.no_models_note(KIND)
        return
    first = registry.get(names[0], KIND) if names else None
    classes = first.classes if first else []
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0] if names else None, label="Model")
            label = gr.Radio(classes, elem_id="cgan-label", value=classes[min(7, len(classes) - 1)] if classes else None,
                             label="Give it a …")
            with gr.Row():
                seed = gr.Number(value=0, precision=0, minimum=0, label="Seed")
                randomise = gr.Button("🎲 Random", scale=0)
            truncation = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Truncation")
        with gr.Column(scale=1):
            image = common.display_image("Generated image", "cgan-image")
    with gr.Row():
        sliders = common.latent_sliders()
    grid = gr.Image(label="Every class from the same z", format="png", elem_classes=["pixelated"],
                    interactive=False, height=140)
    with gr.Accordion("Morph one label into another (same z)", open=False):
        with gr.Row():
            label_a = gr.Dropdown(classes, value=classes[0] if classes else None, label="From label")
            label_b = gr.Dropdown(classes, value=classes[-1] if classes else None, label="To label")
            frames = gr.Slider(2, 32, value=10, step=1, label="Frames")
            go = gr.Button("Morph")
        strip = gr.Image(label="Frames", format="png", elem_classes=["pixelated"], interactive=False)
        gif = gr.File(label="Animated GIF")

    model.change(label_choices, model, label, api_visibility="private")
    gr.on([demo.load, label.change, seed.change, model.change], cgan_sample, [model, label, seed], image,
          api_name="cgan_sample", trigger_mode="always_last").then(
        sliders_for_seed, [model, seed], sliders, api_visibility="private").then(
        cgan_grid, [model, seed], grid, api_name="cgan_grid")
    randomise.click(common.new_seed, None, seed, api_visibility="private")
    gr.on([s.release for s in sliders] + [truncation.release], cgan_latent,
          [model, label, seed, truncation] + sliders, image, api_name="cgan_latent", trigger_mode="always_last")
    go.click(interpolate_labels, [model, label_a, label_b, seed, frames], [strip, gif], api_name="interpolate_labels")
