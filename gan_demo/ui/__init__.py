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
from .page_state import WRITE_URL_JS
from .pix2pix_tab import build_pix2pix_tab
from .registry import ModelRegistry
from .sessions import use_lean_sessions
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
    use_lean_sessions()
    registry = registry or ModelRegistry()
    if warm_up:
        registry.warm_up()
    with gr.Blocks(title=TITLE) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        with gr.Tabs() as tabs:
            with gr.Tab("DCGAN", id="dcgan") as dcgan_page:
                dcgan = build_dcgan_tab(demo, registry)
            with gr.Tab("Conditional GAN", id="cgan") as cgan_page:
                cgan = build_cgan_tab(demo, registry)
            with gr.Tab("Pix2Pix", id="pix2pix"):
                build_pix2pix_tab(demo, registry)
            with gr.Tab("Train", id="train"):
                generator_tabs = {kind: tab for kind, tab in (("dcgan", dcgan), ("cgan", cgan)) if tab}
                build_train_tab(registry, {kind: tab.picker for kind, tab in generator_tabs.items()})
        link_tabs_to_url(demo, tabs, {"dcgan": (dcgan_page, dcgan), "cgan": (cgan_page, cgan)})
        gr.Markdown(CREDIT)
        build_api_endpoints(registry)
    demo.registry = registry
    return demo


def link_tabs_to_url(demo: gr.Blocks, tabs: gr.Tabs, generator_tabs: dict) -> None:
    """A link's ``tab`` parameter opens that tab; opening a generator tab puts its view in the URL."""

    def linked_tab(request: gr.Request):
        tab = dict(request.query_params).get("tab") if request else None
        return gr.Tabs(selected=tab) if tab in generator_tabs and generator_tabs[tab][1] else gr.skip()

    demo.load(linked_tab, None, tabs, api_visibility="private")
    for page, parts in generator_tabs.values():
        if parts:
            page.select(None, parts.query, None, js=WRITE_URL_JS, api_visibility="private")
