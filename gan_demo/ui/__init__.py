"""The Gradio app: one module per tab, no model code here."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
from PIL import Image

from ..sketch import MAX_UPLOAD_PIXELS

from . import cgan_tab, cyclegan_tab, dcgan_tab, infogan_tab, pix2pix_tab, srgan_tab, stylegan_tab, toy_tab
from .api_only import build_api_endpoints
from .common import PIXEL_CSS
from .page_state import WRITE_URL_JS
from .served import ServedModels
from .sessions import use_lean_sessions
from .train_tab import build_train_tab

TITLE = "GAN Playground"
INTRO = ("Play with generative adversarial networks: a **generator** (the forger) turns noise into images, a "
         "**discriminator** (the detective) learned to tell them from real ones. Every model here was trained "
         "with this project's own `train/` module.")
CREDIT = ("Emoji: All emojis designed by [OpenMoji](https://openmoji.org) – the open-source emoji and icon "
          "project. License: CC BY-SA 4.0. [Twemoji](https://github.com/twitter/twemoji) graphics copyright 2019 "
          "Twitter, Inc and other contributors, CC-BY 4.0. Digits: MNIST (LeCun, Cortes & Burges).")

# PIL refuses to decode images over twice this many pixels (a decompression bomb) before reading their data
Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_PIXELS // 2

# the queue: at most 4 events run at once (2 cores), at most 64 wait; further calls get "queue full" at once rather
# than piling up (the canvas sends an event per stroke, and each view drops stale ones: trigger_mode="always_last")
QUEUE_OPTIONS = {"default_concurrency_limit": 4, "max_size": 64}
# Gradio deletes the files it cached for the app (outputs, uploads) once they are 5 minutes old, checking every
# minute: a page fetches its images at once and a GIF is saved within minutes; kept, they were 1,200 more files per
# 1,000 requests (bench/load.py)
DELETE_CACHE = (60, 300)
# Gradio 6 takes theme, CSS and page JavaScript at launch(); app.py and the tests launch with these
LAUNCH_OPTIONS = {"css": PIXEL_CSS, "theme": gr.themes.Soft(), "max_file_size": "20mb",
                  "js": (Path(__file__).parent / "ready_canvas.js").read_text(encoding="utf-8")}


# the views, in tab order: each module shows the models of the kinds registered with its VIEW (the toy GAN's
# model is trained in the page)
VIEWS = (dcgan_tab, cgan_tab, stylegan_tab, infogan_tab, pix2pix_tab, cyclegan_tab, srgan_tab, toy_tab)


def build_demo(served: ServedModels | None = None, warm_up: bool = True) -> gr.Blocks:
    use_lean_sessions()
    served = served or ServedModels()
    if warm_up:
        served.warm_up()
    with gr.Blocks(title=TITLE, delete_cache=DELETE_CACHE) as demo:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        linked, pickers = {}, {}
        with gr.Tabs() as tabs:
            for view in VIEWS:
                with gr.Tab(view.TITLE, id=view.TAB) as page:
                    parts = view.build(demo, served)
                    # inside the tab: a component among the Tabs' own children shifts Gradio's tab numbering, and
                    # opening a later tab then showed it twice in the bar, in place of its neighbour
                    if parts is not None and parts.example_on_open is not None:
                        show_example_on_first_open(page, *parts.example_on_open)
                if parts is not None:
                    pickers[view.VIEW] = parts.picker
                    if parts.query is not None:
                        linked[view.TAB] = (page, parts)
            with gr.Tab("Train", id="train"):
                build_train_tab(served, pickers, {view.VIEW: view.TITLE for view in VIEWS})
        link_tabs_to_url(demo, tabs, linked)
        gr.Markdown(CREDIT)
        build_api_endpoints(served)
    demo.served = served
    return demo


def show_example_on_first_open(page: gr.Tab, source: gr.Image, example: str) -> None:
    """The first time a session opens the tab, ``example`` goes into ``source`` (its change handler then runs the
    model); later openings leave whatever the user put there, or cleared, alone and upload nothing."""
    opened = gr.State(False)
    page.select(lambda done: (gr.skip(), True) if done else (example, True), opened, [source, opened],
                api_visibility="private")


def link_tabs_to_url(demo: gr.Blocks, tabs: gr.Tabs, generator_tabs: dict) -> None:
    """A link's ``tab`` parameter opens that tab; opening a generator tab puts its view in the URL."""

    def linked_tab(request: gr.Request):
        tab = dict(request.query_params).get("tab") if request else None
        return gr.Tabs(selected=tab) if tab in generator_tabs else gr.skip()

    demo.load(linked_tab, None, tabs, api_visibility="private")
    for page, parts in generator_tabs.values():
        page.select(None, parts.query, None, js=WRITE_URL_JS, api_visibility="private")
