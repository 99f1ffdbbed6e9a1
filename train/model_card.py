"""The model card (README.md) of a checkpoint folder, rendered from its config.json alone."""
from __future__ import annotations

import json
from pathlib import Path

from gan_demo import atomic
from gan_demo.checkpoints import DISCRIMINATOR_FILE, is_fresh, read_config
from gan_demo.registry import kind as kind_spec

from .presets import PRESETS, matching_preset

CARD_FILE = "README.md"
LICENCES = {"cc-by-sa-4.0": "CC BY-SA 4.0, as the OpenMoji artwork it was trained on (https://openmoji.org); the "
                            "code that made it is MIT-licensed",
            "mit": "MIT, as the code that made it",
            "other": "the photographs' own licences (GPL-2+, CC BY 4.0, CC BY-SA 3.0 / 4.0, CC0: each listed under "
                     "Credit), which a model derived from them may carry; the code that made it is MIT-licensed"}
STALE = "*(computed from earlier weights of this run: stale until recomputed)*"


# --data values that are data sets on the Hub too, for the card's ``datasets`` metadata
HUB_DATASETS = {"mnist": "ylecun/mnist", "fashion-mnist": "zalando-datasets/fashion_mnist"}


def write_model_card(folder: Path, repo_id: str | None = None) -> None:
    """Render the card; ``repo_id``: the Hub repo it is pushed to, which its "Use it" snippet then loads."""
    folder = Path(folder)
    atomic.write_text(folder / CARD_FILE, render_model_card(repo_id or folder.name, read_config(folder), folder))


def render_model_card(name: str, config: dict, folder: Path | None = None) -> str:
    """The card of a checkpoint (``name``: what ``gan_demo.load`` takes for it); with its ``folder``, tools'
    sections computed from other weights are marked stale."""
    kind, model, training = config["kind"], config["model"], config.get("training", {})
    spec = kind_spec(kind)

    def stale(section: dict, file: str = "model.safetensors") -> list[str]:
        return [STALE, ""] if folder is not None and not is_fresh(folder, section, file) else []

    credit = training.get("data_credit", "")
    licence = "cc-by-sa-4.0" if "OpenMoji" in credit else "other" if "wallpaper packages" in credit else "mit"
    dataset = HUB_DATASETS.get(training.get("options", {}).get("data", ""))
    lines = [
        "---",
        f"license: {licence}",
        "tags: [gan, " + kind + ", gan-playground, pytorch, safetensors]",
        "pipeline_tag: " + spec.pipeline_tag,
        *([f"datasets: [{dataset}]"] if dataset else []),
        "---",
        "",
        f"# {name}",
        "",
        f"A {spec.title} trained with GAN Playground's own `train/` CLI.",
        "",
        "![samples](sample_grid.png)",
        "",
        "## Use it",
        "",
        "Install GAN Playground's library (`pip install .` in a clone of the project, or `pip install git+URL` "
        "of it), then:",
        "",
        "```python",
        "import gan_demo",
        f'model = gan_demo.load("{name}")  # a shipped name, a local folder, or a Hub repo id',
        spec.usage(config),
        "```",
        "",
        "## Training",
        "",
        f"- **Data:** {training.get('data', 'unknown')}",
    ]
    if credit:
        lines.append(f"- **Credit:** {credit}")
    lines.append(f"- **Licence:** {LICENCES[licence]}")
    if spec.objective is not None:
        lines.append(f"- **Objective:** {spec.objective(training.get('options', {}))}")
    command = training.get("command", "")
    preset = matching_preset(command)
    recipe = ""
    if preset in PRESETS:
        recipe = (f" (the `{preset}` preset's recipe, the options after `--preset` overriding it)"
                  if "--preset" in command else f" (the recipe of `python -m train --preset {preset}`)")
    lines += [
        f"- **Command:** `{command}`{recipe}",
        *stage_lines(training.get("earlier_stages", [])),
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
        shown = {k: v for k, v in metrics.items() if k != "weights"}
        lines += ["", "## Evaluation", ""] + stale(metrics) + metric_lines(shown)
    directions = config.get("directions")
    if directions:
        shares = ", ".join(f"{100 * v:.1f} %" for v in directions["explained_variance"])
        lines += ["", "## Semantic directions", ""] + stale(directions) + [
            f"`directions.safetensors`: {directions['count']} GANSpace directions from {directions['samples']} "
            f"samples (seed {directions['seed']}); shares of the first layer's variance: {shares}."]
    detective = config.get("detective")
    if detective:
        origin = (f"A new discriminator, trained after GAN training with G frozen: {detective['fresh_steps']} steps "
                  "from scratch against G's samples, then fine-tuned" if detective.get("fresh_steps") else
                  "Fine-tuned after GAN training, G frozen,")
        lines += ["", "## Discriminator (the detective)", ""] + stale(detective, DISCRIMINATOR_FILE) + [
            f"{origin} against blank images and static: "
            f"`{detective['command']}` ({detective.get('fresh_steps', 0) + detective['steps']} steps, "
            f"{detective['seconds'] / 60:.1f} min). "
            f"Real images scoring above a fake{' of the same label' if spec.view == 'conditional' else ''}, "
            f"on {detective['held_out_images']} "
            "held-out real images:", "", "| fake | before | after |", "|---|---|---|"]
        lines += [f"| {name} | {detective['before'][name]} % | {value} % |"
                  for name, value in detective["after"].items()]
    lines += limitation_lines(config, stale)
    return "\n".join(lines) + "\n"


def limitation_lines(config: dict, stale) -> list[str]:
    """What the model gets wrong: the weakest class by the evaluation, and what people saw (``train limitations``)."""
    lines = []
    accuracy = config.get("metrics", {}).get("label accuracy")
    if isinstance(accuracy, dict) and accuracy.get("per_class"):
        worst = min(accuracy["per_class"], key=accuracy["per_class"].get)
        lines.append(f"- The weakest class by the evaluation above: \"{worst}\", drawn as asked "
                     f"{100 * accuracy['per_class'][worst]:.1f} % of the time.")
    notes = config.get("limitations")
    if notes:
        lines += stale(notes) + [f"- {note}" for note in notes["notes"]]
    return ["", "## Limitations", ""] + lines if lines else []


def format_values(values: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items()) or "n/a"


def stage_lines(stages: list[dict]) -> list[str]:
    """The runs whose weights this one started from (or blends), oldest first."""
    if not stages:
        return []
    return ["- **Earlier stages:**"] + [
        f"  {at}. {stage['role']}: `{stage['command']}` ({stage['device']}, {stage['wall_time_seconds'] / 60:.1f} min, "
        f"{stage['steps']} steps)" for at, stage in enumerate(stages, start=1)]


def metric_lines(metrics: dict) -> list[str]:
    """A metric is a number, or a dict with 'value' and 'note', or a per-class table (its row named by 'row')."""
    lines = []
    for key, value in metrics.items():
        if isinstance(value, dict) and "per_class" in value:
            lines.append(f"- **{key}:** {value.get('value')} — {value.get('note', '')}")
            cells = " | ".join(f"{v:.3f}" for v in value["per_class"].values())
            lines += ["", "| class | " + " | ".join(value["per_class"]) + " |",
                      "|---|" + "---|" * len(value["per_class"]), f"| {value.get('row', 'accuracy')} | {cells} |", ""]
        elif isinstance(value, dict):
            lines.append(f"- **{key}:** {value.get('value')} — {value.get('note', '')}")
        else:
            lines.append(f"- **{key}:** {value}")
    return lines
