"""`python -m train evaluate NAME`: figures for the model card.

- digit and clothes models: per-label accuracy of the project's own classifier of that data on generated images
  (cGAN), and the Fréchet distance between real and generated images in that classifier's 128-d feature space,
  beside the same distance for real images moved or blurred (its scale);
- every image model: Inception FID and Inception Score (torch-fidelity) when the Inception weights can be
  had (online, cached, or a local file through --inception-weights);
- OpenMoji generators and colourisers: emoji_metrics; the OpenMoji <-> Twemoji CycleGAN: cyclegan_metrics;
  super-resolution: srgan_metrics (PSNR and sharpness beside bicubic on scikit-image's photographs).
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import torch

import gan_demo
from gan_demo.checkpoints import read_config, update_section, weights_digest

from ..data import load_image_data
from ..data.digits import CLASS_NAMES
from ..data.pairs import STROKE_SCALES, load_openmoji_pairs
from ..errors import UsageError
from ..model_card import write_model_card
from ..tasks import to_unit_range
from .classifier import (
    CLASSIFIED_DATA,
    REFERENCE_NOTE,
    classifier_dir,
    load_classifier,
    reference_images,
)
from .cyclegan_metrics import cyclegan_metrics
from .emoji_metrics import colouriser_metrics, generator_metrics
from .infogan_metrics import infogan_metrics
from .srgan_metrics import superres_metrics

log = logging.getLogger(__name__)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2), in float64 via symmetric eigensolvers."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    values, vectors = torch.linalg.eigh(cov_a)
    root_a = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross)


@torch.no_grad()
def features(classifier, images: torch.Tensor) -> torch.Tensor:
    return torch.cat([classifier.features(chunk) for chunk in images.split(500)])


@torch.no_grad()
def generated_digits(model, per_label: int, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(images in [-1, 1], asked labels or None); cGANs get ``per_label`` images of every class."""
    classes = model.classes
    if classes is None:
        z = model.sample_z(per_label * 10, seed)
        return torch.cat([model.generate_tensor(chunk) for chunk in z.split(500)]), None
    labels = torch.arange(len(classes)).repeat_interleave(per_label)
    z = model.sample_z(len(labels), seed)
    images = torch.cat([model.generate_tensor(zc, lc) for zc, lc in zip(z.split(500), labels.split(500))])
    return images, labels


def classifier_metrics(model, data_name: str, per_label: int, seed: int) -> dict:
    """Label accuracy (cGAN) or class shares (unconditional) and Fréchet distance by the project's classifier of
    ``data_name``, with the scale of that distance: real vs real, real moved 1 px, real blurred (Gaussian, sigma
    1 px)."""
    classifier = load_classifier(data_name)
    real = to_unit_range(reference_images(data_name))
    fake, labels = generated_digits(model, per_label, seed)
    if fake.shape[1] != 1:
        fake = fake.mean(1, keepdim=True)
    metrics = {}
    predictions = torch.cat([classifier(chunk).argmax(1) for chunk in fake.split(500)])
    if labels is None:
        shares = torch.bincount(predictions, minlength=len(CLASS_NAMES[data_name])).float() / len(predictions)
        metrics["smallest class share"] = {
            "value": round(shares.min().item(), 4),
            "per_class": {name: round(share, 4) for name, share in zip(CLASS_NAMES[data_name], shares.tolist())},
            "row": "share",
            "note": f"of {len(fake)} samples (seed {seed}), the share the project's {data_name} classifier reads as "
                    f"its rarest class (0.1 each: every class alike)"}
    else:
        per_class = {name: round((predictions[labels == i] == i).float().mean().item(), 4)
                     for i, name in enumerate(model.classes)}
        metrics["label accuracy"] = {
            "value": round((predictions == labels).float().mean().item(), 4), "per_class": per_class,
            "note": f"the project's {data_name} classifier agrees with the asked label ({per_label} images per label, "
                    f"seed {seed}; it scores {read_classifier_accuracy(data_name)} on held-out real images)"}
    real_features, fake_features = features(classifier, real), features(classifier, fake)
    half = len(real_features) // 2
    shuffled = real_features[torch.randperm(len(real_features), generator=torch.Generator().manual_seed(seed))]
    shifted = features(classifier, torch.roll(real, shifts=1, dims=-1))
    blurred = features(classifier, gaussian_blur(real, sigma=1.0))
    metrics["classifier Fréchet distance"] = {
        "value": round(frechet_distance(real_features, fake_features), 2),
        "note": f"{len(fake)} generated vs {len(real)} real images ({REFERENCE_NOTE[data_name]}) in the classifier's "
                f"128-d feature space; for scale: real vs real (two halves) = "
                f"{frechet_distance(shuffled[:half], shuffled[half:]):.2f}, real vs the same images moved 1 px right "
                f"= {frechet_distance(real_features, shifted):.2f}, real vs the same images blurred (Gaussian, "
                f"sigma 1 px) = {frechet_distance(real_features, blurred):.2f}"}
    return metrics


def gaussian_blur(images: torch.Tensor, sigma: float) -> torch.Tensor:
    """A separable Gaussian blur of (N, C, H, W) images, radius 3 sigma, edges replicated."""
    radius = max(1, round(3 * sigma))
    taps = torch.exp(-torch.arange(-radius, radius + 1, dtype=images.dtype).square() / (2 * sigma ** 2))
    taps = (taps / taps.sum()).to(images.device)
    channels = images.shape[1]
    padded = torch.nn.functional.pad(images, (radius, radius, radius, radius), mode="replicate")
    rows = torch.nn.functional.conv2d(padded, taps.view(1, 1, 1, -1).expand(channels, 1, 1, -1), groups=channels)
    return torch.nn.functional.conv2d(rows, taps.view(1, 1, -1, 1).expand(channels, 1, -1, 1), groups=channels)


def read_classifier_accuracy(data_name: str) -> str:
    return str(json.loads((classifier_dir(data_name) / "config.json").read_text())["validation_accuracy"])


def inception_metrics(model, data_name: str, samples: int, seed: int, weights) -> dict:
    """FID and IS through torch-fidelity; an honest note when the Inception weights cannot be had."""
    try:
        import torch_fidelity
    except ImportError:
        return {"Inception FID / IS": {"value": "not computed", "note": "pip install torch-fidelity"}}
    real = load_image_data(data_name, model.image_size).images
    fake, _ = generated_digits(model, max(1, samples // 10), seed) if model.classes else \
        (torch.cat([model.generate_tensor(c) for c in model.sample_z(samples, seed).split(500)]), None)
    fake_uint8 = fake.clamp(-1, 1).add(1).mul(127.5).round().to(torch.uint8)

    def rgb(images: torch.Tensor) -> torch.Tensor:
        return images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
    try:
        result = torch_fidelity.calculate_metrics(
            input1=TensorImages(rgb(fake_uint8)), input2=TensorImages(rgb(real)), fid=True, isc=True,
            feature_extractor_weights_path=str(weights) if weights else None, verbose=False, cuda=False)
    except Exception as error:  # offline without the weights file: the download fails
        return {"Inception FID / IS": {"value": "not computed",
                                       "note": f"Inception weights unavailable ({type(error).__name__}); "
                                               "run online or pass --inception-weights FILE"}}
    return {"Inception FID": round(result["frechet_inception_distance"], 2),
            "Inception Score": round(result["inception_score_mean"], 3)}


def psnr_and_l1(outputs: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
    """Mean per-image PSNR (dB) and mean absolute error, both on [0, 1] pixels."""
    outputs, targets = outputs.clamp(0, 1).double(), targets.double()
    mse = (outputs - targets).square().flatten(1).mean(1).clamp(min=1e-10)
    return float((-10 * mse.log10()).mean()), float((outputs - targets).abs().mean())


@torch.no_grad()
def held_out_translations(model) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(line art, the model's output, the true colour emoji), each (N, C, S, S) on [0, 1], for the held-out
    OpenMoji test split at OpenMoji's own stroke width."""
    pairs = load_openmoji_pairs(model.image_size, split="test")
    sketches = to_unit_range(pairs.sketches[:, STROKE_SCALES.index(1.0)])
    outputs = torch.cat([model.translate_tensor(chunk) for chunk in sketches.split(64)]).add(1).div(2)
    return sketches.add(1).div(2).expand(-1, 3, -1, -1), outputs, pairs.targets.double() / 255


def pix2pix_metrics(model, translations=None) -> dict:
    """The held-out test split: the model against copying the input (``translations``: precomputed)."""
    inputs, outputs, targets = translations if translations is not None else held_out_translations(model)
    model_psnr, model_l1 = psnr_and_l1(outputs, targets)
    copy_psnr, copy_l1 = psnr_and_l1(inputs, targets)
    note = f"{len(targets)} held-out OpenMoji test-split emoji, per-image mean on [0, 1] pixels"
    return {"test PSNR (dB)": {"value": round(model_psnr, 2), "note": note},
            "test PSNR of copying the input (dB)": {"value": round(copy_psnr, 2), "note": "the baseline"},
            "test PSNR gain over the baseline (dB)": {"value": round(model_psnr - copy_psnr, 2), "note": ""},
            "test L1": {"value": round(model_l1, 4), "note": f"baseline {copy_l1:.4f}"}}


class TensorImages(torch.utils.data.Dataset):
    """uint8 (N, 3, H, W) as the dataset torch-fidelity expects."""

    def __init__(self, images: torch.Tensor):
        self.images = images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index]


def add_evaluate_parser(commands) -> None:
    sub = commands.add_parser("evaluate", help="measure a checkpoint and write the figures into its card")
    sub.add_argument("name", help="shipped name, folder or Hub repo id")
    sub.add_argument("--samples", type=int, default=1000, help="images per class (cGAN) or in all")
    sub.add_argument("--inception-weights", type=Path, default=None,
                     help="local pt_inception-2015-12-05 weights for FID / IS when offline")
    sub.add_argument("--seed", type=int, default=2)
    sub.set_defaults(run_tool=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    model = gan_demo.load(args.name)
    if model.folder is None:
        raise UsageError(f"{args.name}: evaluate writes into a checkpoint folder; this is a bare weights file")
    payload = read_config(model.folder)
    data_name = payload.get("training", {}).get("options", {}).get("data", "")
    metrics = {}
    if hasattr(model, "upscale"):
        metrics.update(superres_metrics(model))
    elif hasattr(model, "round_trip"):
        if data_name != "openmoji-twemoji":
            raise UsageError(f"{args.name}: held-out figures exist for the OpenMoji <-> Twemoji data "
                             f"(trained on {data_name!r})")
        metrics.update(cyclegan_metrics(model, args.seed))
    elif hasattr(model, "translate"):
        if data_name != "openmoji":
            raise UsageError(f"{args.name}: held-out figures exist for OpenMoji models (trained on {data_name!r})")
        translations = held_out_translations(model)
        metrics.update(pix2pix_metrics(model, translations))
        metrics.update(colouriser_metrics(model, translations))
    else:
        if data_name in CLASSIFIED_DATA and model.channels == 1:
            per_label = args.samples // 10 if model.classes is None else args.samples
            metrics.update(classifier_metrics(model, data_name, per_label, args.seed))
            if hasattr(model, "categories"):
                metrics.update(infogan_metrics(model, data_name, args.seed))
        if data_name == "openmoji":
            metrics.update(generator_metrics(model, args.seed))
        metrics.update(inception_metrics(model, data_name, args.samples, args.seed, args.inception_weights))
    update_section(model.folder, "metrics", {"weights": weights_digest(model.folder), **metrics})
    write_model_card(model.folder)
    for key, value in metrics.items():
        log.info("%s: %s", key, value["value"] if isinstance(value, dict) else value)
    return 0
