"""The StyleGAN view: style mixing as in the paper's figure 3 (row seeds take the styles of column seeds on a
range of layers: coarse layers carry shape, fine layers colour), a crossover for one pair, and truncation."""
from __future__ import annotations

import gradio as gr
import torch
from PIL import Image

from ..images import tensor_grid
from . import common
from .errors import number, user_errors
from .served import ServedModels

VIEW = "style"  # the models of kinds registered with this view
TAB = "stylegan"
TITLE = "StyleGAN"
MAX_SEEDS = 8  # per side of the mixing grid
# First seeds shown: people in openmoji-stylegan (picked from its seeds 0-63 at truncation 0.8), so the first grid
# is the paper's figure 3 on faces: the column's hairstyle and pose with the row's skin tone, or only its colours
DEFAULT_ROWS, DEFAULT_COLUMNS, DEFAULT_PAIR = "1, 6, 38", "7, 23, 37, 45", (1, 45)
# the paper's ranges of layers: (label, value)
RANGES = [("coarse (4–8 px: pose, shape)", "coarse"), ("middle (features)", "middle"),
          ("fine (the full size: colour, texture)", "fine")]


def layer_range(model, name: str) -> tuple[int, int]:
    """(start, stop) of a range's layers: coarse draw at 4 and 8 px, fine at the model's full size, middle between
    (for a 64 px model: 16 and 32 px)."""
    full = model.image_size
    inside = {"coarse": lambda r: r <= 8, "middle": lambda r: 8 < r < full, "fine": lambda r: r == full}[name]
    layers = [i for i in range(model.num_layers) if inside(model.layer_resolution(i))]
    return (layers[0], layers[-1] + 1) if layers else (0, 0)


def seed_list(text: str, name: str) -> list[int]:
    """ "1, 2, 3" -> [1, 2, 3]: whole numbers, 1 to MAX_SEEDS of them."""
    parts = [p for p in str(text).replace(",", " ").split() if p]
    if not 1 <= len(parts) <= MAX_SEEDS or not all(p.isdigit() for p in parts):
        raise ValueError(f"{name}: give 1 to {MAX_SEEDS} whole numbers separated by commas, got {str(text)[:40]!r}")
    return [common.seed_value(int(p)) for p in parts]


def mixing_figure(model, rows: list[int], columns: list[int], layers, truncation: float) -> Image.Image:
    """The paper's layout: column seeds' own images along the top, row seeds' down the left, and each cell the
    row seed with the column seed's styles on ``layers``."""
    blank = torch.ones(1, model.channels, model.image_size, model.image_size)
    top = model.mix_tensor(columns, columns, (0, 0), truncation).cpu()
    left = model.mix_tensor(rows, rows, (0, 0), truncation).cpu()
    cells = model.mix_tensor([r for r in rows for _ in columns], columns * len(rows), layers, truncation).cpu()
    grid = [blank, top]
    for index in range(len(rows)):
        grid += [left[index:index + 1], cells[index * len(columns):(index + 1) * len(columns)]]
    return tensor_grid(torch.cat(grid), columns=len(columns) + 1)


def build(demo: gr.Blocks, served: ServedModels) -> common.TabParts | None:
    names = served.names(VIEW)
    if not names:
        common.no_models_note(VIEW)
        return None
    first = served.get(names[0], VIEW)

    @user_errors
    def style_mix(model_name: str, seed_a: float, seed_b: float, layer_start: float, layer_stop: float,
                  truncation: float) -> Image.Image:
        """Mix the styles of two seeds in a StyleGAN: seed_b's styles drive synthesis layers layer_start to
        layer_stop - 1, seed_a's all the others.

        Args:
            model_name: a StyleGAN of the app, e.g. "openmoji-stylegan".
            seed_a: a whole number >= 0: the image whose styles are kept outside the range.
            seed_b: a whole number >= 0: the image whose styles are taken on the range.
            layer_start: first layer taking seed_b's styles (0 = the coarsest, 4 px).
            layer_stop: one past the last such layer; (0, 0) gives seed_a's image, (0, number of layers) seed_b's.
            truncation: psi from 0 to 1: 1 keeps the styles as drawn, smaller pulls them towards the average style.
        Returns:
            the mixed image (PNG).
        """
        model = served.get(model_name, VIEW)
        layers = (number(layer_start, "layer_start"), number(layer_stop, "layer_stop"))
        return model.mix(common.seed_value(seed_a), common.seed_value(seed_b), layers,
                         common.truncation_value(truncation))

    @user_errors
    def render_grid(model_name, rows, columns, range_name, truncation):
        model = served.get(model_name, VIEW)
        return mixing_figure(model, seed_list(rows, "row seeds"), seed_list(columns, "column seeds"),
                             layer_range(model, range_name), common.truncation_value(truncation))

    @user_errors
    def render_pair(model_name, seed_a, seed_b, crossover, truncation):
        """A's styles before the crossover layer, B's from it on."""
        model = served.get(model_name, VIEW)
        return style_mix(model_name, seed_a, seed_b, number(crossover, "crossover"), model.num_layers, truncation)

    @user_errors
    def model_changed(model_name):
        model = served.get(model_name, VIEW)
        return gr.Slider(maximum=model.num_layers, value=model.num_layers // 2)

    with gr.Row():
        with gr.Column(scale=1):
            model = gr.Dropdown(names, value=names[0], label="Model")
            rows = gr.Textbox(DEFAULT_ROWS, label="Row seeds (keep their other styles)", elem_id="stylegan-rows")
            columns = gr.Textbox(DEFAULT_COLUMNS, label="Column seeds (lend their styles)",
                                 elem_id="stylegan-columns")
            range_name = gr.Radio(RANGES, value=RANGES[0][1], label="Styles taken from the column seed")
            truncation = gr.Slider(0.0, 1.0, value=0.8, step=0.05, label="Truncation ψ (1: as drawn, 0: the "
                                   "average emoji)", elem_id="stylegan-truncation")
        with gr.Column(scale=2):
            figure = gr.Image(label="Style mixing (top: column seeds; left: row seeds)", format="png", height=480,
                              elem_classes=["pixelated", "fill-image"], interactive=False, elem_id="stylegan-grid")
    gr.Markdown("**Crossover**: seed A's styles up to the chosen layer, seed B's from there on — slide it to see "
                "where shape stops and colour begins.")
    with gr.Row():
        seed_a = gr.Number(DEFAULT_PAIR[0], label="Seed A", precision=0, minimum=0)
        seed_b = gr.Number(DEFAULT_PAIR[1], label="Seed B", precision=0, minimum=0)
        crossover = gr.Slider(0, first.num_layers, value=first.num_layers // 2, step=1,
                              label="Crossover layer (0: all B, last: all A)", elem_id="stylegan-crossover")
        pair = gr.Image(label="A, then B from the crossover on", format="png",
                        elem_classes=["pixelated", "fill-image"], interactive=False, height=200, elem_id="stylegan-pair")
    private = {"api_visibility": "private"}
    # a control re-renders only what it changes: the crossover slider does not recompute the whole grid
    grid_inputs, pair_inputs = [model, rows, columns, range_name, truncation], [model, seed_a, seed_b, crossover,
                                                                                 truncation]
    gr.on([rows.submit, columns.submit, range_name.change, truncation.release], render_grid, grid_inputs, figure,
          trigger_mode="always_last", **private)
    gr.on([seed_a.submit, seed_b.submit, crossover.release, truncation.release], render_pair, pair_inputs, pair,
          trigger_mode="always_last", **private)

    def render_both(event):
        return event.then(render_grid, grid_inputs, figure, **private).then(render_pair, pair_inputs, pair,
                                                                              **private)

    render_both(model.input(model_changed, model, crossover, **private))
    with gr.Row(visible=False):
        layer_start, layer_stop = gr.Number(0), gr.Number(0)
        api_run = gr.Button()
    api_run.click(style_mix, [model, seed_a, seed_b, layer_start, layer_stop, truncation], pair, api_name="style_mix")
    render_both(demo.load(lambda: None, None, None, **private))
    return common.TabParts(model)
