"""The DCGAN tab: a seed, truncation, sliders over z and over semantic directions, interpolation between seeds,
and the discriminator's verdict on every image. StyleGANs are listed here too: a seed, its z sliders and the morph
between two seeds mean the same for them (their truncation acts in w); their style mixing has its own tab."""
from __future__ import annotations

import gradio as gr
from PIL import Image

from . import common, page_state
from .errors import user_errors
from .served import ServedModels

VIEW = "latent"  # the models of kinds registered with this view
SHOWN = (VIEW, "style")  # ... and of the StyleGAN view
TAB = "dcgan"  # the tab's id in shared links (?tab=...) and element ids
TITLE = "DCGAN"


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    """Lays out the tab; returns its model picker and URL query (None when no model of this kind is installed)."""

    @user_errors
    def dcgan_sample(model_name: str, seed: float, truncation: float) -> Image.Image:
        """Draw one image from a DCGAN (a generator of images from random noise z).

        Args:
            model_name: a DCGAN of the app, e.g. "openmoji-dcgan" (emoji) or "mnist-dcgan" (digits), or a
                StyleGAN ("openmoji-stylegan").
            seed: a whole number >= 0; the same seed always gives the same image.
            truncation: from 0 to 1; 1 samples as trained, lower values pull z towards the average image.
        Returns:
            the generated image (PNG) at the model's own size.
        """
        model = served.get(model_name, *SHOWN)
        return model.generate(1, seed=common.seed_value(seed), truncation=common.truncation_value(truncation))[0]

    @user_errors
    def dcgan_latent(model_name: str, seed: float, truncation: float, *sliders: float) -> Image.Image:
        """Draw a DCGAN image from a seed's z edited by hand.

        Args:
            model_name: a DCGAN of the app, e.g. "openmoji-dcgan".
            seed: a whole number >= 0 whose z is the starting point.
            truncation: from 0 to 1; lower values pull z towards the average image.
            sliders: 8 values for the first 8 coordinates of z (-3 to 3), then 8 amounts to move along the
                model's semantic directions (-6 to 6; all 0 gives the seed's own image).
        Returns:
            the generated image (PNG).
        """
        model = served.get(model_name, *SHOWN)
        return model.generate(z=common.latent_from(model, seed, sliders),
                              truncation=common.truncation_value(truncation))[0]

    @user_errors
    def sliders_for_seed(model_name, seed):
        return common.slider_values_for(served.get(model_name, *SHOWN), seed)

    @user_errors
    def direction_labels(model_name):
        return common.direction_slider_updates(served.get(model_name, *SHOWN))

    @user_errors
    def verdict(model_name, image):
        return common.detective_verdict(served.get(model_name, *SHOWN), image)

    @user_errors
    def restore(request: gr.Request):
        """At page load: the view a shared link asks for (else the default), rendered."""
        view = common.requested_view(request, TAB, served.names(*SHOWN))
        model = served.get(view.model, *SHOWN)
        return [view.model] + common.restored_view(model, view)

    @user_errors
    def share(model_name, seed, truncation, *sliders):
        model = served.get(model_name, *SHOWN)
        return common.shared_query(model, TAB, model_name, seed, truncation, sliders)

    @user_errors
    def interpolate(model_name: str, seed_a: float, seed_b: float, frames: float) -> tuple[Image.Image, str]:
        """Morph one generated image into another: spherical interpolation between the z of two seeds.

        Args:
            model_name: a DCGAN of the app, e.g. "openmoji-dcgan".
            seed_a: the seed of the first image.
            seed_b: the seed of the last image.
            frames: how many images, from 2 to 64.
        Returns:
            the frames side by side (PNG) and the same frames as an animated GIF file.
        """
        model = served.get(model_name, *SHOWN)
        return common.interpolation_outputs(common.interpolation_frames(model, seed_a, seed_b, frames))

    names = served.names(*SHOWN)
    if not names:
        common.no_models_note(VIEW)
        return None
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model", allow_custom_value=True)
            controls = common.SeedControls(TAB)
            seed, truncation = controls.seed, controls.truncation
        with gr.Column(scale=1):
            image = common.display_image("Generated image", "dcgan-image")
            meter = gr.Markdown(elem_id="dcgan-meter")
    sliders, directions, reset = common.slider_panel()
    with gr.Accordion("Interpolate between two seeds", open=False):
        with gr.Row():
            seed_a = gr.Number(value=0, precision=0, minimum=0, label="From seed")
            seed_b = gr.Number(value=1, precision=0, minimum=0, label="To seed")
            frames = gr.Slider(2, 32, value=10, step=1, label="Frames")
            go = gr.Button("Interpolate")
        strip, gif = common.interpolation_outputs_panel(TAB)
    query = gr.Textbox(visible=False)

    all_sliders = sliders + directions
    private = {"api_visibility": "private"}

    def judged_and_shared(event):
        """The detective's verdict, then the page URL, once an image is on screen."""
        return event.then(verdict, [model, image], meter, **private).then(
            share, [model, seed, truncation] + all_sliders, query, **private).then(
            None, query, None, js=page_state.WRITE_URL_JS, **private)

    def rendered_from_seed(event):
        """The seed's image, its sliders, verdict and URL after ``event``."""
        return judged_and_shared(event.then(dcgan_sample, [model, seed, truncation], image, **private).then(
            sliders_for_seed, [model, seed], all_sliders, **private))

    # renders follow user input only (.input/.release), so restoring a shared link at load re-renders nothing
    judged_and_shared(gr.on(
        [seed.input, truncation.release], dcgan_sample, [model, seed, truncation], image,
        api_name="dcgan_sample", trigger_mode="always_last").then(
        sliders_for_seed, [model, seed], all_sliders, **private))
    rendered_from_seed(model.input(direction_labels, model, directions, **private))
    controls.after_new_seed(rendered_from_seed)
    judged_and_shared(gr.on([s.release for s in all_sliders], dcgan_latent, [model, seed, truncation] + all_sliders,
                            image, api_name="dcgan_latent", trigger_mode="always_last"))
    judged_and_shared(reset.click(sliders_for_seed, [model, seed], all_sliders, **private).then(
        dcgan_latent, [model, seed, truncation] + all_sliders, image, **private))
    go.click(interpolate, [model, seed_a, seed_b, frames], [strip, gif], api_name="interpolate")
    # after the named endpoints: the first registration of a function takes its name
    demo.load(restore, None, [model, seed, truncation] + all_sliders + [controls.history, query],
              **private).then(dcgan_latent, [model, seed, truncation] + all_sliders, image, **private).then(
        verdict, [model, image], meter, **private)
    return common.TabParts(model, query)
