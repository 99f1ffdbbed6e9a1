"""The model card (README.md) of a checkpoint folder, rendered from its config.json alone."""
from __future__ import annotations

import json
from pathlib import Path

from gan_demo import atomic
from gan_demo.checkpoints import read_config

KIND_TITLES = {"dcgan": "DCGAN", "cgan": "conditional DCGAN", "pix2pix": "pix2pix U-Net"}


def write_model_card(folder: Path) -> None:
    atomic.write_text(Path(folder) / "README.md", render_model_card(Path(folder).name, read_config(folder)))


def render_model_card(name: str, config: dict) -> str:
    kind, model, training = config["kind"], config["model"], config.get("training", {})
    credit = training.get("data_credit", "")
    licence = "cc-by-sa-4.0" if "OpenMoji" in credit else "mit"
    lines = [
        "---",
        f"license: {licence}",
        "library_name: pytorch",
        "tags: [gan, " + kind + ", gan-playground]",
        "pipeline_tag: " + ("image-to-image" if kind == "pix2pix" else "unconditional-image-generation"),
        "---",
        "",
        f"# {name}",
        "",
        f"A {KIND_TITLES[kind]} trained with GAN Playground's own `train/` CLI.",
        "",
        "![samples](sample_grid.png)",
        "",
        "## Use it",
        "",
        "```python",
        "import gan_demo",
        f'model = gan_demo.load("{name}")  # a shipped name, a local folder, or a Hub repo id',
        usage_line(kind, config),
        "```",
        "",
        "## Training",
        "",
        f"- **Data:** {training.get('data', 'unknown')}",
    ]
    if credit:
        lines.append(f"- **Credit:** {credit} (https://openmoji.org)")
    if kind == "pix2pix":
        lines.append(f"- **Objective:** {pix2pix_objective(training.get('options', {}))}")
    lines += [
        f"- **Command:** `{training.get('command', '')}`",
        f"- **Device:** {training.get('device', 'unknown')}",
        f"- **Wall time:** {training.get('wall_time_seconds', 0) / 60:.1f} min, "
        f"{training.get('epochs', 0)} epochs, {training.get('steps', 0)} steps",
        f"- **Final losses:** {format_values(training.get('final_losses', {}))}",
        f"- **Options:** {format_values(training.get('options', {}))}",
        "",
        "## Architecture",
        "",
        "```json",
        json.dumps(model, indent=2),
        "```",
    ]
    metrics = config.get("metrics")
    if metrics:
        lines += ["", "## Evaluation", ""] + metric_lines(metrics)
    directions = config.get("directions")
    if directions:
        shares = ", ".join(f"{100 * v:.1f} %" for v in directions["explained_variance"])
        lines += ["", "## Semantic directions", "",
                  f"`directions.safetensors`: {directions['count']} GANSpace directions from {directions['samples']} "
                  f"samples (seed {directions['seed']}); shares of the first layer's variance: {shares}."]
    detective = config.get("detective")
    if detective:
        lines += ["", "## Discriminator (the detective)", "",
                  f"Fine-tuned after GAN training, G frozen, against blank images and static: "
                  f"`{detective['command']}` ({detective['steps']} steps, {detective['seconds'] / 60:.1f} min). "
                  f"Real images scoring above a fake of the same label, on {detective['held_out_images']} "
                  "held-out real images:", "", "| fake | before | after |", "|---|---|---|"]
        lines += [f"| {name} | {detective['before'][name]} % | {value} % |"
                  for name, value in detective["after"].items()]
    return "\n".join(lines) + "\n"


def usage_line(kind: str, config: dict) -> str:
    if kind == "pix2pix":
        return 'colour = model.translate(PIL.Image.open("sketch.png"))'
    if kind == "cgan":
        name = config.get("class_names", ["0"])[-1]
        return f'images = model.generate(n=4, seed=0, labels=["{name}"] * 4)'
    return "images = model.generate(n=4, seed=0)"


def pix2pix_objective(options: dict) -> str:
    reconstruction = f"{options.get('reconstruction', 'l1').upper()} × {options.get('l1_weight', 100.0):g}"
    gan_weight = options.get("gan_weight", 1.0)
    if not gan_weight:
        return f"{reconstruction} alone (no adversarial term, no discriminator trained)"
    return f"PatchGAN adversarial loss × {gan_weight:g} + {reconstruction} (Isola et al. 2017)"


def format_values(values: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items()) or "n/a"


def metric_lines(metrics: dict) -> list[str]:
    """A metric is a number, or a dict with 'value' and 'note', or a per-class table."""
    lines = []
    for key, value in metrics.items():
        if isinstance(value, dict) and "per_class" in value:
            lines.append(f"- **{key}:** {value.get('value')} — {value.get('note', '')}")
            lines += ["", "| class | " + " | ".join(value["per_class"]) + " |",
                      "|---|" + "---|" * len(value["per_class"]),
                      "| accuracy | " + " | ".join(f"{v:.3f}" for v in value["per_class"].values()) + " |", ""]
        elif isinstance(value, dict):
            lines.append(f"- **{key}:** {value.get('value')} — {value.get('note', '')}")
        else:
            lines.append(f"- **{key}:** {value}")
    return lines
