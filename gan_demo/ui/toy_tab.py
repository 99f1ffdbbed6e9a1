"""The "How a GAN learns" tab: the original GAN on 2-D points (``gan_demo.toy``), trained live in the page.

Real points, generated points, the detective's belief as a heat map and the forger's gradient as arrows; play,
pause, or step the detective and the forger one at a time, so mode collapse and non-convergence can be watched.
"""
from __future__ import annotations

import numpy as np
import gradio as gr
from PIL import Image, ImageDraw

from ..toy import DISTRIBUTIONS, LOSSES, ToyGAN
from . import common
from .errors import number, user_errors

TAB = "toy"
TITLE = "How a GAN learns"
VIEW = None  # it shows no checkpoint: its model is trained in the page
PLOT_SIZE = 420  # px of the square plot
EXTENT = 3.0  # the plot shows -EXTENT .. EXTENT on both axes
STEPS_PER_FRAME = 50
MAX_API_STEPS = 20_000
DRAWN = "your drawing"
EXPLANATION = """
A GAN is a game between a **forger** (the generator G, turning noise into points) and a **detective** (the
discriminator D, saying how real a point looks). The paper's value function is
**min over G, max over D of E[log D(x)] + E[log(1 − D(G(z)))]**: the detective gains by telling real from forged,
the forger by fooling it.

- **Background**: the detective's belief: bright where it thinks points are real, dark where it thinks they are
  forged. **Grey dots**: real points. **Orange dots**: the forger's points. **Arrows**: where the forger's loss
  pushes a forged point from there.
- **minimax** is the paper's game as written: once the detective is sure, log(1 − D) is flat and the forger
  stops learning. **non-saturating** (the paper's own fix) asks the forger to maximise log D instead, which
  pushes hardest exactly when the detective is sure. **least-squares** scores with squared errors.
- **Mode collapse**: turn the stabilisers off (R1 penalty and averaging) and watch the forger crowd onto a few of
  the ring's eight modes, chasing the detective from mode to mode instead of covering them all: the game does
  not always converge.
"""


def pixel(points: np.ndarray) -> np.ndarray:
    """Plot coordinates (y up) -> pixel coordinates."""
    scaled = (points + EXTENT) / (2 * EXTENT) * (PLOT_SIZE - 1)
    return np.stack([scaled[:, 0], PLOT_SIZE - 1 - scaled[:, 1]], axis=1)


def render(gan: ToyGAN) -> Image.Image:
    """Belief heat map, real and generated points, and the forger's gradient field."""
    ticks = np.linspace(-EXTENT, EXTENT, 84)
    grid = np.stack(np.meshgrid(ticks, ticks[::-1]), axis=-1).reshape(-1, 2)
    belief = gan.belief(grid).reshape(len(ticks), len(ticks))
    shade = (40 + 160 * belief).astype(np.uint8)
    heat = np.stack([shade, shade, (shade * 1.15).clip(0, 255).astype(np.uint8)], axis=-1)
    image = Image.fromarray(heat).resize((PLOT_SIZE, PLOT_SIZE), Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    for x, y in pixel(gan.real_sample(400)):
        draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=(150, 150, 150))
    for x, y in pixel(gan.sample(400)):
        draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=(255, 140, 0))
    arrows = np.stack(np.meshgrid(np.linspace(-2.6, 2.6, 14), np.linspace(-2.6, 2.6, 14)), axis=-1).reshape(-1, 2)
    push = gan.forger_gradient(arrows)
    lengths = np.linalg.norm(push, axis=1, keepdims=True)
    push = push / max(float(lengths.max()), 1e-8) * 0.35  # the longest arrow is 0.35 units
    for start, end in zip(pixel(arrows), pixel(arrows + push)):
        draw.line((*start, *end), fill=(255, 255, 255), width=1)
        draw.ellipse((end[0] - 1, end[1] - 1, end[0] + 1, end[1] + 1), fill=(255, 255, 255))
    return image


def stats(gan: ToyGAN) -> str:
    losses = gan.last
    lines = [f"**Step {gan.steps}** — detective's loss {loss_text(losses['loss_D'])}, forger's loss "
             f"{loss_text(losses['loss_G'])}."]
    real, fake = gan.belief(gan.real_sample(500)).mean(), gan.belief(gan.sample(500)).mean()
    lines.append(f"The detective finds real points {100 * real:.0f} % real and the forger's {100 * fake:.0f} % real.")
    if gan.distribution in ("ring", "grid"):
        covered, modes, off = gan.mode_coverage()
        lines.append(f"The forger covers **{covered} of {modes} modes**; {100 * off:.0f} % of its points lie off "
                     "every mode.")
    return "  \n".join(lines)


def loss_text(loss: float) -> str:
    """A player's last loss; NaN until that player has taken a step."""
    return "none yet" if np.isnan(loss) else f"{loss:.3f}"


def drawn_points(drawing) -> np.ndarray:
    """The ink of a Sketchpad drawing as up to 2,000 points in plot coordinates."""
    image = common.composite_image(drawing)
    if image is None:
        raise ValueError("draw some points on the canvas first (or pick a distribution)")
    grey = np.asarray(image.convert("L"))
    ys, xs = np.nonzero(grey < 128)
    if len(xs) == 0:
        raise ValueError("the canvas is empty: draw the shape the forger should learn")
    picks = np.random.default_rng(0).choice(len(xs), size=min(len(xs), 2000), replace=False)
    size = np.array(grey.shape[::-1], dtype=np.float32) - 1
    points = np.stack([xs[picks], ys[picks]], axis=1) / size * 2 * EXTENT - EXTENT
    points[:, 1] *= -1
    return points


def new_gan(distribution, loss, seed, lr_g, lr_d, stabilise, drawing=None) -> ToyGAN:
    if distribution == DRAWN:
        distribution = drawn_points(drawing)
    options = {"lr_g": number(lr_g, "forger's learning rate"), "lr_d": number(lr_d, "detective's learning rate")}
    if not stabilise:
        options.update(r1=0.0, ema=0.0)
    return ToyGAN(distribution, loss=loss, seed=common.seed_value(seed), **options)


def build(demo: gr.Blocks, served=None) -> common.TabParts | None:
    @user_errors
    def toy_gan(distribution: str, loss: str, steps: float, seed: float) -> tuple[Image.Image, str]:
        """Train the original GAN on 2-D points from scratch and show where it got to.

        Args:
            distribution: the real data: "ring" (8 Gaussians on a circle), "grid" (25), "two-moons" or "spiral".
            loss: "minimax" (the paper's value function), "non-saturating" or "least-squares".
            steps: training steps of both players, from 0 to 20,000.
            seed: a whole number >= 0; the same seed gives the same run.
        Returns:
            the plot (the detective's belief, real points in grey, generated in orange, the forger's gradient as
            arrows) and a summary (losses, beliefs, modes covered).
        """
        steps = number(steps, "steps")
        if not steps.is_integer() or not 0 <= steps <= MAX_API_STEPS:
            raise ValueError(f"steps must be a whole number from 0 to {MAX_API_STEPS:,}")
        gan = ToyGAN(distribution, loss=loss, seed=common.seed_value(seed))
        gan.train(int(steps))
        return render(gan), stats(gan)

    @user_errors
    def reset(distribution, loss, seed, lr_g, lr_d, stabilise, drawing):
        gan = new_gan(distribution, loss, seed, lr_g, lr_d, stabilise, drawing)
        return gan, render(gan), stats(gan)

    @user_errors
    def play(gan, distribution, loss, seed, lr_g, lr_d, stabilise, drawing, frames):
        gan = gan or new_gan(distribution, loss, seed, lr_g, lr_d, stabilise, drawing)
        for _ in range(int(number(frames, "frames"))):
            gan.train(STEPS_PER_FRAME)
            yield gan, render(gan), stats(gan)

    def stepper(detective: bool, forger: bool):
        @user_errors
        def step(gan, distribution, loss, seed, lr_g, lr_d, stabilise, drawing):
            gan = gan or new_gan(distribution, loss, seed, lr_g, lr_d, stabilise, drawing)
            gan.step(detective=detective, forger=forger)
            return gan, render(gan), stats(gan)
        return step

    gr.Markdown(EXPLANATION)
    with gr.Row():
        with gr.Column(scale=1):
            distribution = gr.Radio(list(DISTRIBUTIONS) + [DRAWN], value="ring", label="Real data",
                                    elem_id="toy-distribution")
            loss = gr.Radio(list(LOSSES), value="non-saturating", label="Value function (loss)")
            with gr.Row():
                lr_g = gr.Slider(1e-4, 5e-3, value=1e-3, step=1e-4, label="Forger's learning rate")
                lr_d = gr.Slider(1e-4, 5e-3, value=1e-3, step=1e-4, label="Detective's learning rate")
            stabilise = gr.Checkbox(True, label="Stabilisers: R1 penalty on the detective, averaged forger")
            seed = gr.Number(0, precision=0, minimum=0, label="Seed")
            drawing = gr.Sketchpad(type="pil", image_mode="RGB", canvas_size=(240, 240), fixed_canvas=True,
                                   layers=False, transforms=(), label=f"Draw the real data ('{DRAWN}')",
                                   brush=gr.Brush(default_size=6, colors=["#000000"], color_mode="fixed"))
        with gr.Column(scale=1):
            plot = gr.Image(label="The game so far", format="png", interactive=False, height=PLOT_SIZE,
                            elem_id="toy-plot")
            summary = gr.Markdown(elem_id="toy-stats")
            with gr.Row():
                go = gr.Button("▶ Play", variant="primary", elem_id="toy-play")
                pause = gr.Button("⏸ Pause", elem_id="toy-pause")
                restart = gr.Button("↺ Reset", elem_id="toy-reset")
            with gr.Row():
                step_d = gr.Button("Step the detective", size="sm", elem_id="toy-step-d")
                step_g = gr.Button("Step the forger", size="sm", elem_id="toy-step-g")
                step_both = gr.Button("Step both", size="sm", elem_id="toy-step")
            frames = gr.Slider(1, 400, value=160, step=1, label=f"Frames per play ({STEPS_PER_FRAME} steps each)")
    @user_errors
    def new_rates(gan, lr_g, lr_d):
        if gan is not None:
            gan.set_learning_rates(number(lr_g, "forger's learning rate"), number(lr_d, "detective's learning rate"))
        return gan

    gan = gr.State(None)
    private = {"api_visibility": "private"}
    gr.on([lr_g.release, lr_d.release], new_rates, [gan, lr_g, lr_d], gan, **private)
    settings = [distribution, loss, seed, lr_g, lr_d, stabilise, drawing]
    playing = go.click(play, [gan] + settings + [frames], [gan, plot, summary], show_progress="hidden", **private)
    pause.click(None, None, None, cancels=[playing], **private)
    gr.on([restart.click, distribution.input, loss.input, stabilise.input, seed.submit], reset, settings,
          [gan, plot, summary], cancels=[playing], **private)
    for button, detective, forger in ((step_d, True, False), (step_g, False, True), (step_both, True, True)):
        button.click(stepper(detective, forger), [gan] + settings, [gan, plot, summary], cancels=[playing],
                     **private)
    with gr.Row(visible=False):
        api_steps, api_run = gr.Number(label="steps"), gr.Button()
    api_run.click(toy_gan, [distribution, loss, api_steps, seed], [plot, summary], api_name="toy_gan")
    demo.load(reset, settings, [gan, plot, summary], **private)
    return None
