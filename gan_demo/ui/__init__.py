"""The Gradio app: one module per tab, no model code here."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
from PIL import Image

from ..sketch import MAX_UPLOAD_PIXELS

from .api_only import build_api_endpoints
from .cgan_tab import build_cgan_tab
from .common import PIXEL_CSS
from .dcgan_tab import build_dcgan_tab
from .pix2pix_tab import build_pix2pix_tab
from .registry import ModelRegistry
from .train_tab import build_train_tab

TITLE = "GAN Playground"
INTRO = ("Play with generative adversarial networks: a **generator** (the forger) turns noise into images, a "
         "**discriminator** (the detective) learned to tell them from real ones. Every model here was trained "
         "with this project's own `train/` module.")
CREDIT = ("Emoji: All emojis designed by [OpenMoji](https://openmoji.org) – the open-source emoji and icon "
          "project. License: CC BY-SA 4.0. Digits: MNIST (LeCun, Cortes & Burges).")

# PIL refuses to decode images over twice this many pixels (a decompression bomb) before reading their data
Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_PIXELS // 2

# Gradio 6 takes theme, CSS and page JavaScript at launch(); app.py and the tests launch with these
LAUNCH_OPTIONS = {"css": PIXEL_CSS, "theme": gr.themes.Soft(), "max_file_size": "20mb",
                  "js": (Path(__file__).parent / "ready_canvas.js").read_text(encoding="utf-8")}


def build_demo(registry: ModelRegistry | None = None, warm_up: bool = True) -> gr.Blocks:
    registry = registry or ModelRegistry()
    if warm_up:
        registry.warm_up()
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        with gr.Tab("DCGAN"):
            dcgan_picker = build_dcgan_tab(demo, registry)
        with gr.Tab("Conditional GAN"):
            cgan_picker = build_cgan_tab(demo, registry)
        with gr.Tab("Pix2Pix"):
            build_pix2pix_tab(demo, registry)
        with gr.Tab("Train"):
            pickers = {kind: picker for kind, picker in (("dcgan", dcgan_picker), ("cgan", cgan_picker)) if picker}
            build_train_tab(registry, pickers)
        gr.Markdown(CREDIT)
        build_api_endpoints(registry)
    demo.registry = registry
    return demo
