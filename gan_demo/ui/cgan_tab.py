"""The conditional-GAN tab: pick a label ("give it a 7"), explore z, see every class from one z, morph labels,
and draw a digit for the detective (the discriminator) to judge."""
from __future__ import annotations

import gradio as gr
from PIL import Image
import torch

from ..images import tensor_grid
from . import common, page_state
from .errors import user_errors
from .served import ServedModels

VIEW = "conditional"  # the models of kinds registered with this view
TAB = "cgan"  # the tab's id in shared links (?tab=...) and element ids
TITLE = "Conditional GAN"


def default_label(classes: list[str]) -> str:
    """The label picked at first ("give it a 7"): the seventh class where there is one."""
    return classes[min(7, len(classes) - 1)]


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    """Lays out the tab; returns its model picker and URL query (None when no model of this kind is installed)."""

    def seed_image(model_name, label, seed, truncation):
        model = served.get(model_name, VIEW)
        return model.generate(1, seed=common.seed_value(seed), labels=label,
                              truncation=common.truncation_value(truncation))[0]

    @user_errors
    def cgan_sample(model_name: str, label: str, seed: float) -> Image.Image:
        """Draw one image of the class you ask for ("give it a 7", "give it a Sneaker").

        Args:
            model_name: a conditional GAN of the app, e.g. "mnist-cgan" (digits) or "fashion-cgan" (clothes).
            label: a class name ("7", "Sneaker") or its number (7); the model's card lists its classes.
            seed: a whole number >= 0; the same seed and label always give the same image.
        Returns:
            the generated image (PNG) at the model's own size.
        """
        return seed_image(model_name, label, seed, 1.0)

    @user_errors
    def cgan_render(model_name, label, seed, truncation):
        """The tab's image of a seed: /cgan_sample at the truncation slider's value."""
        return seed_image(model_name, label, seed, truncation)

    @user_errors
    def cgan_latent(model_name: str, label: str, seed: float, truncation: float, *sliders: float) -> Image.Image:
        """Draw an image of a class from a seed's z edited by hand.

        Args:
            model_name: a conditional GAN of the app, e.g. "mnist-cgan".
            label: a class name or its number.
            seed: a whole number >= 0 whose z is the starting point.
            truncation: from 0 to 1; lower values pull z towards the average image.
            sliders: 8 values for the first 8 coordinates of z (-3 to 3), then 8 amounts along the model's
                semantic directions (-6 to 6).
        Returns:
            the generated image (PNG).
        """
        model = served.get(model_name, VIEW)
        return model.generate(z=common.latent_from(model, seed, sliders), labels=[label],
                              truncation=common.truncation_value(truncation))[0]

    @user_errors
    def cgan_grid(model_name: str, seed: float) -> Image.Image:
        """Every class drawn from the same z, side by side: what the label alone changes.

        Args:
            model_name: a conditional GAN of the app, e.g. "mnist-cgan".
            seed: a whole number >= 0.
        Returns:
            one row of images (PNG), one per class in the model's order.
        """
        model = served.get(model_name, VIEW)
        z = model.sample_z(1, common.seed_value(seed)).expand(len(model.classes), -1)
        return tensor_grid(model.generate_tensor(z, torch.arange(len(model.classes))), columns=len(model.classes))

    @user_errors
    def model_changed(model_name):
        model = served.get(model_name, VIEW)
        classes = model.classes
        pickers = [gr.Radio(choices=classes, value=default_label(classes)),
                   gr.Dropdown(choices=classes, value=classes[0]), gr.Dropdown(choices=classes, value=classes[-1]),
                   gr.Radio(choices=classes, value=default_label(classes))]
        return pickers + common.direction_slider_updates(model)

    @user_errors
    def sliders_for_seed(model_name, seed):
        return common.slider_values_for(served.get(model_name, VIEW), seed)

    @user_errors
    def verdict(model_name, image, label):
        return common.detective_verdict(served.get(model_name, VIEW), image, label)

    @user_errors
    def restore(request: gr.Request):
        """At page load: the view a shared link asks for (else the default), rendered."""
        view = common.requested_view(request, TAB, served.names(VIEW))
        model = served.get(view.model, VIEW)
        label = view.label if view.label in model.classes else default_label(model.classes)
        if view.label is not None and view.label != label:
            gr.Warning(f"The link's label {page_state.shown(view.label)} is not one of this model's; "
                       f"showing {label}.")
        return [view.model, gr.Radio(choices=model.classes, value=label)] + common.restored_view(model, view, label)

    @user_errors
    def share(model_name, label, seed, truncation, *sliders):
        model = served.get(model_name, VIEW)
        return common.shared_query(model, TAB, model_name, seed, truncation, sliders, label)

    @user_errors
    def interpolate_labels(model_name: str, label_a: str, label_b: str, seed: float,
                           frames: float) -> tuple[Image.Image, str]:
        """Morph one class into another with the same z (the label embedding blended), e.g. a 3 into an 8.

        Args:
            model_name: a conditional GAN of the app, e.g. "mnist-cgan".
            label_a: the first class (name or number).
            label_b: the last class (name or number).
            seed: a whole number >= 0 giving the shared z.
            frames: how many images, from 2 to 64.
        Returns:
            the frames side by side (PNG) and the same frames as an animated GIF file.
        """
        model = served.get(model_name, VIEW)
        return common.interpolation_outputs(model.blend_labels(label_a, label_b, common.seed_value(seed),
                                                               int(common.number(frames, "frames"))))

    @user_errors
    def judge_drawing(model_name, drawing, label):
        """The detective's verdict on the user's own drawing, for the asked label."""
        model = served.get(model_name, VIEW)
        image = common.composite_image(drawing)
        if image is None:
            return "Draw a digit first."
        if image.convert("L").getextrema()[0] > 160:
            return "The canvas is empty: draw a digit with the brush."
        score = model.realness(image, label)
        return f"🕵️ The detective thinks this is **{100 * score:.0f} % real** as a {label}."

    names = served.names(VIEW)
    if not names:
        common.no_models_note(VIEW)
        return None
    classes = served.get(names[0], VIEW).classes
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model", allow_custom_value=True,
                                elem_id="cgan-model")
            label = gr.Radio(classes, value=default_label(classes), label="Give it a …", elem_id="cgan-label")
            controls = common.SeedControls(TAB)
            seed, truncation = controls.seed, controls.truncation
        with gr.Column(scale=1):
            image = common.display_image("Generated image", "cgan-image")
            meter = gr.Markdown(elem_id="cgan-meter")
    grid = common.strip_display("Every class from the same z", f"{TAB}-classes")
    sliders, directions, reset = common.slider_panel()
    with gr.Accordion("Morph one label into another (same z)", open=False):
        with gr.Row():
            label_a = gr.Dropdown(classes, value=classes[0], label="From label")
            label_b = gr.Dropdown(classes, value=classes[-1], label="To label")
            frames = gr.Slider(2, 32, value=10, step=1, label="Frames")
            go = gr.Button("Morph")
        strip, gif = common.interpolation_outputs_panel(TAB)
    with gr.Accordion("Forger against detective: draw a digit the detective believes", open=False):
        with gr.Row():
            drawing = gr.Sketchpad(type="pil", image_mode="RGB", canvas_size=(280, 280), fixed_canvas=True,
                                   layers=False, transforms=(), label="Your digit (black on white)",
                                   brush=gr.Brush(default_size=18, colors=["#000000"], color_mode="fixed"))
            with gr.Column():
                drawn_label = gr.Radio(classes, value=default_label(classes), label="It is a …")
                judge = gr.Button("Ask the detective")
                judged = gr.Markdown()

    query = gr.Textbox(visible=False)

    all_sliders = sliders + directions
    private = {"api_visibility": "private"}

    def judged_and_shared(event):
        """The detective's verdict, then the page URL, once an image is on screen."""
        return event.then(verdict, [model, image, label], meter, **private).then(
            share, [model, label, seed, truncation] + all_sliders, query, **private).then(
            None, query, None, js=page_state.WRITE_URL_JS, **private)

    def rendered_from_seed(event, grid_api_name=None):
        """The seed's image, its sliders, every class from its z, verdict and URL after ``event``."""
        grid_visibility = {"api_name": grid_api_name} if grid_api_name else private
        return judged_and_shared(event.then(
            sliders_for_seed, [model, seed], all_sliders, **private).then(
            cgan_grid, [model, seed], grid, **grid_visibility))

    # For scripts: the documented signatures, with labels through plain text boxes. The page's label pickers hold
    # the choices of the model on screen, and Gradio refuses any other value, so an API call for a second model's
    # class ("Sneaker" while digits are shown) must not go through them.
    with gr.Row(visible=False):
        api_label, api_label_b = gr.Textbox(label="label"), gr.Textbox(label="to label")
        api_sample, api_latent, api_morph = gr.Button(), gr.Button(), gr.Button()
    api_sample.click(cgan_sample, [model, api_label, seed], image, api_name="cgan_sample")
    api_latent.click(cgan_latent, [model, api_label, seed, truncation] + all_sliders, image, api_name="cgan_latent")
    api_morph.click(interpolate_labels, [model, api_label, api_label_b, seed, frames], [strip, gif],
                    api_name="interpolate_labels")
    # renders follow user input only (.input/.release), so restoring a shared link at load re-renders nothing
    render_inputs = [model, label, seed, truncation]
    rendered_from_seed(gr.on([label.input, seed.input], cgan_render, render_inputs, image,
                             trigger_mode="always_last", **private), grid_api_name="cgan_grid")
    label_pickers = [label, label_a, label_b, drawn_label]
    rendered_from_seed(model.input(model_changed, model, label_pickers + directions, **private).then(
        cgan_render, render_inputs, image, **private))
    controls.after_new_seed(lambda event: rendered_from_seed(event.then(cgan_render, render_inputs, image,
                                                                        **private)))
    judged_and_shared(gr.on(
        [s.release for s in all_sliders] + [truncation.release], cgan_latent,
        [model, label, seed, truncation] + all_sliders, image, trigger_mode="always_last", **private))
    judged_and_shared(reset.click(sliders_for_seed, [model, seed], all_sliders, **private).then(
        cgan_latent, [model, label, seed, truncation] + all_sliders, image, **private))
    go.click(interpolate_labels, [model, label_a, label_b, seed, frames], [strip, gif], **private)
    gr.on([judge.click, drawing.change], judge_drawing, [model, drawing, drawn_label], judged,
          api_visibility="private", trigger_mode="always_last")
    # after the named endpoints: the first registration of a function takes its name
    demo.load(restore, None, [model, label, seed, truncation] + all_sliders + [controls.history, query],
              **private).then(cgan_latent, render_inputs + all_sliders, image, **private).then(
        cgan_grid, [model, seed], grid, **private).then(verdict, [model, image, label], meter, **private)
    return common.TabParts(model, query)
