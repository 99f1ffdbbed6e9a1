"""The super-resolution view: a photo 4x larger by bicubic interpolation and by the model, side by side, and the
same region of both zoomed in, where the difference shows; or by a blend of two models, weight by weight (ESRGAN's
network interpolation), its detail on a slider."""
from __future__ import annotations

from pathlib import Path

import gradio as gr
from PIL import Image

from ..images import as_pil
from ..sketch import checked_image
from ..superres import SuperResolver, interpolated, same_layout
from . import common
from .errors import number, user_errors
from .png_files import png_file
from .served import ServedModels

VIEW = "superres"
TAB = "srgan"
TITLE = "Super-resolution"
EXAMPLE_DIR = Path(__file__).resolve().parent / "examples" / "photos"
MAX_SIDE = 256  # larger uploads are downscaled first: 4x of 256 px is 1024 px, seconds on a 2-core CPU
ZOOM = 4  # the zoomed region is 1/ZOOM of the output's width and height
BLEND_NOTE = """Blend a faithful model (trained on pixels alone: smooth) and a GAN model (sharper, with invented
texture) weight by weight, as ESRGAN does (Wang et al. 2018): 0 is the first, 1 the second. Both must share one
architecture, as a GAN model fine-tuned from the other does."""


def fit_input(image: Image.Image) -> tuple[Image.Image, str]:
    """The upload, downscaled so its longer side is at most MAX_SIDE, and a note when it was."""
    picture = as_pil(checked_image(image))
    if max(picture.size) <= MAX_SIDE:
        return picture, ""
    factor = MAX_SIDE / max(picture.size)
    size = (max(1, round(picture.width * factor)), max(1, round(picture.height * factor)))
    note = (f"Your {picture.width}x{picture.height} image was first reduced to {size[0]}x{size[1]} so the "
            "upscale answers in seconds.")
    return picture.resize(size, Image.Resampling.LANCZOS), note


def zoomed(image: Image.Image, x: float, y: float) -> Image.Image:
    """The region around (x, y) (fractions of width and height), 1/ZOOM of the image, enlarged without smoothing."""
    width, height = max(1, image.width // ZOOM), max(1, image.height // ZOOM)
    left = round(min(max(x * image.width - width / 2, 0), image.width - width))
    top = round(min(max(y * image.height - height / 2, 0), image.height - height))
    return image.crop((left, top, left + width, top + height)).resize((width * ZOOM, height * ZOOM),
                                                                      Image.Resampling.NEAREST)


def blend_ends(served: ServedModels, names: list[str]) -> tuple[str, str, list[str]] | None:
    """The blend's default ends: a model trained on its content loss alone (no adversarial loss, no teacher) and one
    trained with an adversarial loss that is not itself a blend, of one architecture; and the models of that
    architecture, which either end may be. None where there are not two such ends."""
    models = {name: served.get(name, VIEW) for name in names}
    layouts = {name: model.module.state_dict() for name, model in models.items()}
    options = {name: model.payload.get("training", {}).get("options", {}) for name, model in models.items()}
    faithful = [n for n in names if not options[n].get("adversarial_weight") and not options[n].get("teacher")]
    textured = [n for n in names if options[n].get("adversarial_weight") and not options[n].get("interpolation")]
    for a, b in ((a, b) for a in faithful for b in textured if same_layout(layouts[a], layouts[b])):
        return a, b, [n for n in names if same_layout(layouts[a], layouts[n])]
    return None


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    @user_errors
    def superres(model_name: str, image: Image.Image) -> str:
        """Upscale a photo 4x (width and height) with a super-resolution GAN.

        Args:
            model_name: a super-resolution model of the app, e.g. "photo-srgan".
            image: a photo, any mode; larger than 256 px on its longer side, it is first reduced to 256 px.
        Returns:
            the upscaled photo (PNG), 4x the (reduced) input's width and height.
        """
        return upscaled_file(served.get(model_name, VIEW), image)

    def upscaled_file(model: SuperResolver, image: Image.Image | None) -> str:
        if image is None:
            raise ValueError("give a photo to upscale")
        return png_file(model.upscale(fit_input(image)[0]), upscaled.GRADIO_CACHE, "upscaled")

    def blend(faithful: str, textured: str, detail) -> SuperResolver:
        return interpolated(served.get(faithful, VIEW), served.get(textured, VIEW), number(detail, "detail"))

    @user_errors
    def superres_blend(faithful: str, textured: str, detail: float, image: Image.Image) -> str:
        """Upscale a photo 4x with a blend of two super-resolution models (ESRGAN's network interpolation).

        Args:
            faithful: the model at detail 0, e.g. "photo-srresnet" (trained on pixels alone).
            textured: the model at detail 1, e.g. "photo-srgan-sharp" (a GAN model fine-tuned from the first).
            detail: 0 to 1, the weight of the textured model in every weight of the blend.
            image: a photo, any mode; larger than 256 px on its longer side, it is first reduced to 256 px.
        Returns:
            the upscaled photo (PNG), 4x the (reduced) input's width and height.
        """
        return upscaled_file(blend(faithful, textured, detail), image)

    @user_errors
    def compare(model_name, image):
        return compared(served.get(model_name, VIEW), image)

    @user_errors
    def compare_either(mode: str, model_name: str, faithful: str, textured: str, detail, image):
        """The comparison with the Model dropdown's model or with the blend, whichever ``mode`` says was touched last
        (one listener for both, so an older request of one can never overwrite a newer one of the other)."""
        if mode == "model" or image is None:
            return compare(model_name, image)
        blended = blend(faithful, textured, detail)
        return compared(blended, image, caption=f"Model 4x shows the blend {blended.name}.")

    def compared(model: SuperResolver, image, caption: str = ""):
        """Bicubic beside ``model``, a note, and the pair kept for the zoomed regions (``zoom`` follows)."""
        if image is None:
            return None, None, "Pick an example photo or upload one.", None
        picture, note = fit_input(image)
        note = " ".join(filter(None, (caption, note)))
        size = (picture.width * model.scale, picture.height * model.scale)
        pair = (picture.resize(size, Image.Resampling.BICUBIC), model.upscale(picture))
        shown_pair = (png_file(pair[0], bicubic.GRADIO_CACHE, "bicubic"),
                      png_file(pair[1], upscaled.GRADIO_CACHE, "upscaled"))
        return (*shown_pair, note, pair)

    @user_errors
    def zoom(pair, x, y):
        """The zoomed regions of the last comparison (the upscale is not run again)."""
        if pair is None:
            return None, None
        x, y = number(x, "zoom x"), number(y, "zoom y")
        return (png_file(zoomed(pair[0], x, y), bicubic_zoom.GRADIO_CACHE, "bicubic-zoom"),
                png_file(zoomed(pair[1], x, y), upscaled_zoom.GRADIO_CACHE, "upscaled-zoom"))

    names = served.names(VIEW)
    if not names:
        common.no_models_note(VIEW)
        return None
    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model", elem_id="srgan-model")
            source = gr.Image(type="pil", image_mode=None, sources=["upload", "clipboard"], label="Your photo",
                              height=220, elem_id="srgan-input")
            zoom_x = gr.Slider(0, 1, value=0.5, step=0.01, label="Zoom: across", elem_id="srgan-zoom-x")
            zoom_y = gr.Slider(0, 1, value=0.5, step=0.01, label="Zoom: down")
            ends = blend_ends(served, names)
            if ends:
                faithful_end, textured_end, blendable = ends
                with gr.Accordion("Blend two models (network interpolation)", open=False):
                    gr.Markdown(BLEND_NOTE)
                    faithful_picker = gr.Dropdown(blendable, value=faithful_end, label="Detail 0: faithful model")
                    textured_picker = gr.Dropdown(blendable, value=textured_end, label="Detail 1: GAN model")
                    detail_slider = gr.Slider(0, 1, value=0.5, step=0.05, label="Detail", elem_id="srgan-detail")
            note = gr.Markdown(elem_id="srgan-note")
        with gr.Column(scale=2):
            with gr.Row():
                bicubic = gr.Image(label="Bicubic 4x (blurry)", format="png", interactive=False, height=300)
                upscaled = gr.Image(label="Model 4x", format="png", interactive=False, height=300,
                                    elem_id="srgan-output", buttons=["download"])
            with gr.Row():
                bicubic_zoom = gr.Image(label="Bicubic, zoomed", format="png", interactive=False, height=220,
                                        elem_classes=["pixelated"])
                upscaled_zoom = gr.Image(label="Model, zoomed", format="png", interactive=False, height=220,
                                         elem_classes=["pixelated"], elem_id="srgan-zoom")
    examples = sorted(EXAMPLE_DIR.glob("*.png"))
    if examples:
        gr.Examples([[str(p)] for p in examples], [source], label="Held-out test photos (scikit-image), 128 px",
                    elem_id="srgan-examples")
    private = {"api_visibility": "private"}
    shown = gr.State()  # (bicubic, model) images of the last comparison
    shown_outputs = [bicubic, upscaled, note, shown]
    if ends:
        # Touching a control sets, in the browser, which of the two "Model 4x" shows (mode) and when (touched, whose
        # change asks for the comparison). The request cannot tell by its own event: Gradio replays a request
        # deferred while another runs (trigger_mode="always_last") as the event that started the running one.
        mode = gr.Textbox("model", visible=False)
        touched = gr.Number(0, visible=False)
        model.input(None, None, [mode, touched], js="() => ['model', Date.now()]", **private)
        gr.on([detail_slider.release, faithful_picker.input, textured_picker.input], None, None, [mode, touched],
              js="() => ['blend', Date.now()]", **private)
        comparison = gr.on([source.change, touched.change], compare_either,
                           [mode, model, faithful_picker, textured_picker, detail_slider, source], shown_outputs,
                           trigger_mode="always_last", **private)
    else:
        comparison = gr.on([source.change, model.input], compare, [model, source], shown_outputs,
                           trigger_mode="always_last", **private)
    # The zoomed regions follow every comparison, read from the sliders as it ends, and every move of a zoom slider:
    # a slider moved while a slow upscale runs is never undone by that upscale's end.
    zoom_request = {"fn": zoom, "inputs": [shown, zoom_x, zoom_y], "outputs": [bicubic_zoom, upscaled_zoom], **private}
    comparison.then(**zoom_request)
    gr.on([zoom_x.release, zoom_y.release], trigger_mode="always_last", **zoom_request)
    with gr.Row(visible=False):
        api_run, api_blend = gr.Button(), gr.Button()
    api_run.click(superres, [model, source], upscaled, api_name="superres")
    if ends:
        api_blend.click(superres_blend, [faithful_picker, textured_picker, detail_slider, source], upscaled,
                        api_name="superres_blend")
    return common.TabParts(model, example_on_open=(source, str(examples[0])) if examples else None)
