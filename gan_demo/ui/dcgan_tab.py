"""The DCGAN tab: a seed, truncation, sliders over z, and interpolation between two seeds."""
from __future__ import annotations

import gradio as gr

from . import common
from .errors import user_errors
from .registry import ModelRegistry

KIND = "dcgan"


def build_dcgan_tab(demo: gr.Blocks, registry: ModelRegistry) -> None:
    @user_errors
    def dcgan_sample(model_name, seed, truncation):
        """One image from a seed (the whole z from the seed)."""
        model = registry.get(model_name, KIND)
        return model.generate(1, seed=common.seed_value(seed), truncation=common.truncation_value(truncation))[0]

    @user_errors
    def dcgan_latent(model_name, seed, truncation, *sliders):
        """The seed's z with its first coordinates set by the sliders: re-runs only the generator."""
        model = registry.get(model_name, KIND)
        return model.generate(z=common.latent_from(model, seed, truncation, sliders))[0]

    @user_errors
    def sliders_for_seed(model_name, seed):
        return common.slider_values_for(registry.get(model_name, KIND), seed)

    @user_errors
    def interpolate(model_name, seed_a, seed_b, frames):
        """A strip and a GIF between the z of two seeds (spherical interpolation)."""
        model = registry.get(model_name, KIND)
        return common.interpolation_outputs(common.interpolation_frames(model, seed_a, seed_b, frames))

    names = registry.names(KIND)
    if not names:
        common.no_models_note(KIND)
        return
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0] if names else None, label="Model")
            with gr.Row():
                seed = gr.Number(value=0, precision=0, minimum=0, label="Seed")
                randomise = gr.Button("🎲 Random", scale=0)
            truncation = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Truncation",
                                   info="1 = as trained; lower pulls z towards the average image")
        with gr.Column(scale=1):
            image = common.display_image("Generated image", "dcgan-image")
    gr.Markdown("**Edit the latent vector**: each slider is one coordinate of z; the image re-renders on release.")
    with gr.Row():
        sliders = common.latent_sliders()
    with gr.Accordion("Interpolate between two seeds", open=False):
        with gr.Row():
            seed_a = gr.Number(value=0, precision=0, minimum=0, label="From seed")
            seed_b = gr.Number(value=1, precision=0, minimum=0, label="To seed")
            frames = gr.Slider(2, 32, value=10, step=1, label="Frames")
            go = gr.Button("Interpolate")
        strip = gr.Image(label="Frames", format="png", elem_classes=["pixelated"], interactive=False)
        gif = gr.File(label="Animated GIF")

    sample_inputs = [model, seed, truncation]
    gr.on([demo.load, seed.change, truncation.release, model.change], dcgan_sample, sample_inputs, image,
          api_name="dcgan_sample", trigger_mode="always_last").then(
        sliders_for_seed, [model, seed], sliders, api_visibility="private")
    randomise.click(common.new_seed, None, seed, api_visibility="private")
    gr.on([s.release for s in sliders], dcgan_latent, sample_inputs + sliders, image, api_name="dcgan_latent",
          trigger_mode="always_last")
    go.click(interpolate, [model, seed_a, seed_b, frames], [strip, gif], api_name="interpolate")
