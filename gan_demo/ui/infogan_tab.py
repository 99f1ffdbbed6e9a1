"""The InfoGAN view: the codes the model learned to make meaningful are its first sliders (a category and the
continuous codes, named by what they were measured to do), z sliders beside them, and a sweep strip per code."""
from __future__ import annotations

import gradio as gr
import torch
from PIL import Image

from ..images import tensor_grid
from ..kinds.infogan import CODE_RANGE
from . import common
from .errors import number, user_errors
from .served import ServedModels

VIEW = "coded"  # the models of kinds registered with this view
TAB = "infogan"  # the tab's id and element ids
TITLE = "InfoGAN"
SWEEP = 9  # frames of a continuous code's sweep strip


def code_labels(model) -> list[str]:
    """Slider labels, two whatever the model has: "code 1 — slant" where the evaluation measured what a code
    does, "(none)" (hidden) past the model's codes."""
    effects = model.payload.get("metrics", {}).get("continuous codes", {}).get("effects", {})
    return ([f"{name} — {effects[name]}" if name in effects else name for name in model.continuous_codes]
            + ["(none)"] * 2)[:2]


def sweep_title(code_label: str) -> str:
    return f"Sweep of {code_label} (−{CODE_RANGE:g} … {CODE_RANGE:g})"


def category_note(model) -> str:
    """What each category became, where the evaluation measured it (purity by the project's classifier)."""
    purity = model.payload.get("metrics", {}).get("category purity", {}).get("per_category")
    if not purity:
        return "The category code's values, as the model learned them without labels."
    return "Category → what it draws: " + ", ".join(f"{k} → {v['class']} ({100 * v['purity']:.0f} %)"
                                                    for k, v in purity.items())


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    def codes_of(c1, c2, model):
        return [number(c1, "code 1"), number(c2, "code 2")][:len(model.continuous_codes)]

    @user_errors
    def infogan_sample(model_name: str, seed: float, category: float, c1: float, c2: float) -> Image.Image:
        """Draw one image from an InfoGAN with its codes set by hand: what each learned code controls.

        Args:
            model_name: an InfoGAN of the app, e.g. "mnist-infogan".
            seed: a whole number >= 0 giving z; the same seed keeps z whatever the codes are.
            category: the categorical code, a whole number from 0 to 9 (on MNIST it tends to pick the digit).
            c1: the first continuous code, from -2 to 2 (trained in -1 .. 1; beyond shows what it extrapolates).
            c2: the second continuous code, from -2 to 2.
        Returns:
            the generated image (PNG).
        """
        model = served.get(model_name, VIEW)
        return model.generate(1, seed=common.seed_value(seed), category=number(category, "category"),
                              continuous=codes_of(c1, c2, model))[0]

    @user_errors
    def render(model_name, seed, truncation, category, c1, c2, *z_sliders):
        """The image and the three sweep strips for the current codes."""
        model = served.get(model_name, VIEW)
        z = common.latent_from(model, seed, list(z_sliders) + [0.0] * common.DIRECTION_SLIDERS)
        z = z * common.truncation_value(truncation)
        category, codes = int(number(category, "category")), codes_of(c1, c2, model)
        image = model.generate(z=z, seed=common.seed_value(seed), category=category, continuous=codes)[0]
        k = model.categories
        every = model.generate_coded(z.expand(k, -1), torch.arange(k), torch.tensor([codes]).expand(k, -1))
        strips = [tensor_grid(every, columns=model.categories)]
        for index in range(len(codes)):
            values = torch.tensor(codes).repeat(SWEEP, 1)
            values[:, index] = torch.linspace(-CODE_RANGE, CODE_RANGE, SWEEP)
            frames = model.generate_coded(z.expand(SWEEP, -1), torch.full((SWEEP,), category), values)
            strips.append(tensor_grid(frames, columns=SWEEP))
        return [image] + strips + [None] * (2 - len(codes))

    @user_errors
    def model_changed(model_name, seed):
        model = served.get(model_name, VIEW)
        labels, shown = code_labels(model), [i < len(model.continuous_codes) for i in range(2)]
        return ([gr.Slider(maximum=model.categories - 1, value=0), category_note(model)]
                + [gr.Slider(label=label, visible=on, value=0.0) for label, on in zip(labels, shown)]
                + [gr.Image(label=sweep_title(label), visible=on) for label, on in zip(labels, shown)]
                + common.slider_values_for(model, seed)[:common.LATENT_SLIDERS])

    names = served.names(VIEW)
    if not names:
        common.no_models_note(VIEW)
        return None
    first = served.get(names[0], VIEW)
    labels = code_labels(first)
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model", elem_id="infogan-model")
            controls = common.SeedControls(TAB)
            seed, truncation = controls.seed, controls.truncation
            category = gr.Slider(0, first.categories - 1, value=0, step=1, label="category",
                                 elem_id="infogan-category")
            note = gr.Markdown(category_note(first))
            c1 = gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label=labels[0], elem_id="infogan-c1")
            c2 = gr.Slider(-CODE_RANGE, CODE_RANGE, value=0.0, step=0.05, label=labels[1],
                           visible=len(first.continuous_codes) > 1, elem_id="infogan-c2")
        with gr.Column(scale=1):
            image = common.display_image("Generated image", "infogan-image")
    sweeps = [common.strip_display("Every category, same z and codes", f"{TAB}-categories")] + [
        common.strip_display(sweep_title(label), f"{TAB}-sweep-{i + 1}", visible=i < len(first.continuous_codes))
        for i, label in enumerate(labels)]
    gr.Markdown("**Raw latent coordinates** (z): what the codes do not control.")
    with gr.Row():
        z_sliders = common.latent_sliders()
    private = {"api_visibility": "private"}
    inputs = [model, seed, truncation, category, c1, c2] + z_sliders
    outputs = [image] + sweeps
    gr.on([c.release for c in (category, c1, c2, truncation)] + [s.release for s in z_sliders], render, inputs,
          outputs, trigger_mode="always_last", **private)

    @user_errors
    def seed_sliders(model_name, seed):
        return common.slider_values_for(served.get(model_name, VIEW), seed)[:common.LATENT_SLIDERS]

    def after_seed(event):
        """The seed's own z on the sliders, then the images."""
        return event.then(seed_sliders, [model, seed], z_sliders, **private).then(render, inputs, outputs, **private)

    after_seed(seed.input(lambda: None, None, None, **private))
    controls.after_new_seed(after_seed)
    model.input(model_changed, [model, seed], [category, note, c1, c2] + sweeps[1:] + z_sliders, **private).then(
        render, inputs, outputs, **private)
    with gr.Row(visible=False):
        api_run = gr.Button()
    api_run.click(infogan_sample, [model, seed, category, c1, c2], image, api_name="infogan_sample")
    after_seed(demo.load(lambda: None, None, None, **private))
    return common.TabParts(model)
