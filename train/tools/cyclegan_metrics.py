"""Held-out figures of the OpenMoji <-> Twemoji CycleGAN, on the true pairs of the held-out split (the same emoji
drawn by both sets, never trained on in either style):

- style: an independent style classifier (a small CNN trained here on the *training* split's real images, OpenMoji
  vs Twemoji) judges each translation; the share it puts in the target style;
- content: is the true counterpart the nearest of all held-out emoji of the target style, from the translation, and
  from the untranslated input (the baseline a translation must beat); and the mean distance to it of both;
- not a copy: each translation's distance to its nearest *training* image of the target style, over the same for
  the real held-out counterparts (about 1 for new drawings; far below 1 for pasted training emoji).
Distances are Euclidean between 32x32 RGB images in [0, 1], as in emoji_metrics.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..data.unpaired import load_unpaired
from .emoji_metrics import nearest_distance, small

STYLE_EPOCHS = 4


def style_classifier(train, seed: int = 0) -> nn.Module:
    """A small CNN telling domain A (0) from domain B (1), trained on the real images of ``train`` only."""
    torch.manual_seed(seed)
    network = nn.Sequential(
        nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.Conv2d(16, 32, 3, 2, 1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 2))
    images = torch.cat([train.a, train.b]).float() / 127.5 - 1
    labels = torch.cat([torch.zeros(len(train.a)), torch.ones(len(train.b))]).long()
    optimizer = torch.optim.Adam(network.parameters(), lr=2e-3)
    with torch.enable_grad():
        train_classifier(network, optimizer, images, labels)
    return network.eval()


def train_classifier(network, optimizer, images: torch.Tensor, labels: torch.Tensor) -> None:
    for _ in range(STYLE_EPOCHS):
        for batch in torch.randperm(len(images)).split(64):
            loss = F.cross_entropy(network(images[batch]), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


@torch.no_grad()
def predicted_domain(classifier: nn.Module, images: torch.Tensor) -> torch.Tensor:
    return torch.cat([classifier(chunk).argmax(1) for chunk in images.split(256)])


def unit(images: torch.Tensor) -> torch.Tensor:
    return (images + 1) / 2


def retrieval(queries: torch.Tensor, candidates: torch.Tensor) -> tuple[float, float]:
    """(share of queries whose nearest candidate is their own counterpart, mean distance to the counterpart)."""
    distances = torch.cdist(queries, candidates)
    hits = (distances.argmin(1) == torch.arange(len(queries))).float().mean()
    return round(float(hits), 4), round(float(distances.diagonal().mean()), 3)


@torch.no_grad()
def cyclegan_metrics(model, seed: int = 0) -> dict:
    size = model.image_size
    train, test = load_unpaired("openmoji-twemoji", size), load_unpaired("openmoji-twemoji", size, "test")
    classifier = style_classifier(train, seed)
    real_a, real_b = test.a.float() / 127.5 - 1, test.b.float() / 127.5 - 1
    real_accuracy = float(torch.cat([predicted_domain(classifier, real_a) == 0,
                                     predicted_domain(classifier, real_b) == 1]).float().mean())
    figures = {}
    for direction, source, target, target_index, target_train in (("AtoB", real_a, real_b, 1, train.b),
                                                                  ("BtoA", real_b, real_a, 0, train.a)):
        translated = torch.cat([model.translate_tensor(chunk, direction).cpu() for chunk in source.split(64)])
        style = float((predicted_domain(classifier, translated) == target_index).float().mean())
        hits, distance = retrieval(small(unit(translated)), small(unit(target)))
        base_hits, base_distance = retrieval(small(unit(source)), small(unit(target)))
        training = small(target_train.float() / 255)
        novelty = (nearest_distance(small(unit(translated)), training).mean()
                   / nearest_distance(small(unit(target)), training).mean())
        a, b = model.domains if direction == "AtoB" else model.domains[::-1]
        figures[f"{a} to {b}"] = {
            "value": round(style, 4), "target style": round(style, 4), "counterpart found": hits,
            "counterpart found from the untranslated input": base_hits, "distance to counterpart": distance,
            "untranslated distance to counterpart": base_distance,
            "nearest-training ratio": round(float(novelty), 3)}
    return {"held-out translation": {
        "value": {k: v["value"] for k, v in figures.items()}, **figures,
        "note": (f"{len(test.a)} held-out emoji drawn by both sets; target style by a CNN trained on the training "
                 f"split's real images ({100 * real_accuracy:.1f} % right on the held-out real images); counterpart "
                 "found = its true counterpart is the nearest of all held-out target-style emoji (32x32 RGB "
                 "distance); nearest-training ratio = distance to the nearest training image of the target style, "
                 "over that of the real counterparts")}}
