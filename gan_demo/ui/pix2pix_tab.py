"""The Pix2Pix tab: draw black lines on a canvas and watch a trained generator colour them in."""
from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr
from PIL import Image
from ..sketch import EmptyDrawing, checked_image, looks_like_photo, photo_to_edges, prepare_drawing
from . import common
from .errors import user_errors
from .served import OPENS_ON, ServedModels

log = logging.getLogger(__name__)
VIEW = "sketch"  # the models of kinds registered with this view
TAB = "pix2pix"  # the tab's id in shared links (?tab=...) and element ids
TITLE = "Pix2Pix"
CANVAS = 512
BRUSH_PX = 10  # about OpenMoji's 2/72 stroke on a 512 px canvas drawn to ~70 % of its size
EXAMPLE_DIR = Path(__file__).resolve().parent / "examples"
FIRST_CHOICE = OPENS_ON[VIEW]  # the colouriser a drawing meets first


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    @user_errors
    def pix2pix_translate(model_name: str, sketch: dict) -> tuple[Image.Image | None, str]:
        """Colour in a line drawing (black lines on white), the way OpenMoji colours its emoji.

        Args:
            model_name: a sketch colouriser of the app, e.g. "openmoji-pix2pix".
            sketch: the drawing: a Sketchpad value {"background": image, "layers": [], "composite": image}, or an
                image; it is cropped to the strokes and their width matched to the training line art.
        Returns:
            the coloured image (PNG; none for an empty canvas) and a hint, empty when all went well.
        """
        model = served.get(model_name, VIEW)
        image = common.composite_image(sketch)
        if image is None:
            return None, "Draw something: black lines on white, like an emoji outline."
        try:
            drawing = prepare_drawing(image, model.image_size)
        except EmptyDrawing as hint:
            return None, str(hint)
        return model.translate(drawing), ""

    @user_errors
    def translate_upload(model_name: str, image: Image.Image) -> tuple[Image.Image | None, str]:
        """Colour in an uploaded drawing; a photo has its edges traced first.

        Args:
            model_name: a sketch colouriser of the app, e.g. "openmoji-pix2pix".
            image: a drawing (dark lines on white) or a photo, any size.
        Returns:
            the coloured image (PNG; none when there is nothing to colour) and a note on what was done.
        """
        model = served.get(model_name, VIEW)
        if image is None:
            return None, "Upload a drawing or a photo."
        image = checked_image(image)
        note = ""
        if looks_like_photo(image):
            image, note = photo_to_edges(image), "This looked like a photo: its edges were traced first."
        try:
            return model.translate(prepare_drawing(image, model.image_size)), note
        except EmptyDrawing as hint:
            return None, str(hint)

    names = served.names(VIEW)
    if not names:
        common.no_models_note(VIEW)
        return None
    with gr.Row():
        with gr.Column():
            model = gr.Dropdown(names, value=names[0], label="Model",
                                info=f"{FIRST_CHOICE} gives each shape one colour (a heart comes out red); "
                                     "openmoji-pix2pix paints what the outline cannot tell in a mean colour"
                                if FIRST_CHOICE in names else None)
            sketch = gr.Sketchpad(
                label="Draw here (black lines on white)", type="pil", image_mode="RGB",
                canvas_size=(CANVAS, CANVAS), fixed_canvas=True, height=CANVAS + 80, layers=False, transforms=(),
                brush=gr.Brush(default_size=BRUSH_PX, colors=["#000000"], default_color="#000000",
                               color_mode="fixed"),
                eraser=gr.Eraser(default_size=24), elem_id="sketch-canvas")
        with gr.Column():
            output = gr.Image(label="Coloured in", format="png", height=CANVAS, interactive=False,
                              elem_id="pix2pix-output", buttons=["download"],
                              elem_classes=["fill-image"])
            hint = gr.Markdown(elem_id="pix2pix-hint")
    examples = example_sketches()
    if examples:
        gr.Examples(examples=[[str(p)] for p in examples], inputs=[sketch], label="Examples from the held-out "
                    "OpenMoji test split (click one, then edit it)")
    gr.Examples(examples=[[str(p)] for p in first_drawings()], inputs=[sketch],
                label="What people draw first (a wobbly mouse line): the card says which come out in the colour "
                      "a person expects")
    with gr.Accordion("Upload a photo or drawing instead", open=False):
        upload = gr.Image(type="pil", image_mode=None, sources=["upload", "clipboard"], label="Photo or drawing")

    gr.on([sketch.change, model.change], pix2pix_translate, [model, sketch], [output, hint],
          api_name="pix2pix_translate", trigger_mode="always_last", show_progress="hidden")
    upload.upload(translate_upload, [model, upload], [output, hint], api_name="pix2pix_upload")
    return common.TabParts(model)


def example_sketches() -> list[Path]:
    """Line art of held-out OpenMoji emoji (see examples/README.md for how they were made)."""
    return sorted(EXAMPLE_DIR.glob("*.png"))


def first_drawings() -> list[Path]:
    """A heart, a star, a sun, a smiley and a tree as a person draws them (examples/drawings/README.md)."""
    return sorted((EXAMPLE_DIR / "drawings").glob("*.png"))
