"""What an InfoGAN's codes learned, measured (the card's figures, the app's slider names):

- category purity: for each value of the categorical code, the share of its images the project's classifier
  calls by the most common class (which class that is: what the category became);
- continuous codes: each code swept from -2 to 2 (beyond the training range [-1, 1], as the paper's figure 2),
  the effect on slant, width and ink measured by image moments, as a Spearman correlation with the code and as
  the change from -2 to 2 in units of real digits' own spread, and as the share of single images whose sweep moves
  it one way throughout (the Spearman pools all images, so it also counts how much they differ from each other).
"""
from __future__ import annotations

import torch

from ..data.digits import CLASS_NAMES
from ..tasks import to_unit_range
from .classifier import load_classifier, reference_images

PER_CATEGORY = 500
SWEEP = torch.linspace(-2, 2, 9)
Z_PER_VALUE = 200


def moments(images: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per image (N, 1, H, W) in [-1, 1]: slant (shear of the ink, mu11 / mu02), width (horizontal standard
    deviation of the ink, px) and ink (mean brightness on [0, 1])."""
    ink = images.float().add(1).div(2)[:, 0]
    mass = ink.sum(dim=(1, 2)).clamp(min=1e-6)
    ys, xs = torch.meshgrid(torch.arange(ink.shape[1]).float(), torch.arange(ink.shape[2]).float(), indexing="ij")
    mx, my = (ink * xs).sum(dim=(1, 2)) / mass, (ink * ys).sum(dim=(1, 2)) / mass
    dx, dy = xs - mx[:, None, None], ys - my[:, None, None]
    mu11, mu02, mu20 = ((ink * dx * dy).sum(dim=(1, 2)) / mass, (ink * dy * dy).sum(dim=(1, 2)) / mass,
                        (ink * dx * dx).sum(dim=(1, 2)) / mass)
    return {"slant": -mu11 / mu02.clamp(min=1e-6), "width": mu20.sqrt(), "ink": ink.mean(dim=(1, 2))}


def spearman(a: torch.Tensor, b: torch.Tensor) -> float:
    ranks = [x.argsort().argsort().float() for x in (a, b)]
    ranks = [r - r.mean() for r in ranks]
    return float((ranks[0] * ranks[1]).sum() / (ranks[0].norm() * ranks[1].norm()).clamp(min=1e-9))


def one_way_share(per_step: torch.Tensor, direction: float) -> float:
    """Share of the columns of ``per_step`` (sweep values x images) that change strictly in ``direction``'s sign
    at every step of the sweep."""
    steps = per_step.diff(dim=0) * (1 if direction >= 0 else -1)
    return float((steps > 0).all(dim=0).float().mean())


def describe(quantity: str, effect: dict) -> str:
    return (f"{quantity} (Spearman {effect['spearman']:+.2f}, one way in {100 * effect['one_way_share']:.0f} % of "
            f"single images, {effect['range_in_real_std']:+.2f} real std from -2 to 2)")


@torch.no_grad()
def infogan_metrics(model, data_name: str, seed: int) -> dict:
    classifier = load_classifier(data_name)
    purity, classes = {}, set()
    for k in range(model.categories):
        z = model.sample_z(PER_CATEGORY, seed + k)
        category, continuous = model.codes(PER_CATEGORY, seed + k, category=k)
        predictions = classifier(model.generate_coded(z, category, continuous)).argmax(1)
        counts = torch.bincount(predictions, minlength=10)
        purity[str(k)] = {"class": CLASS_NAMES[data_name][int(counts.argmax())],
                          "purity": round(float(counts.max()) / PER_CATEGORY, 3)}
        classes.add(int(counts.argmax()))
    mean_purity = sum(p["purity"] for p in purity.values()) / len(purity)
    real = moments(to_unit_range(reference_images(data_name)))
    effects, table = {}, {}
    z = model.sample_z(Z_PER_VALUE, seed)
    category, base = model.codes(Z_PER_VALUE, seed)
    for index, name in enumerate(model.continuous_codes):
        values = SWEEP.repeat_interleave(Z_PER_VALUE)
        codes = base.repeat(len(SWEEP), 1)
        codes[:, index] = values
        measured = moments(model.generate_coded(z.repeat(len(SWEEP), 1), category.repeat(len(SWEEP)), codes))
        table[name] = {}
        for quantity, per_image in measured.items():
            per_step = per_image.view(len(SWEEP), Z_PER_VALUE)
            by_value = per_step.mean(1)
            rho = spearman(values, per_image)
            table[name][quantity] = {"spearman": round(rho, 3),
                                     "range_in_real_std": round(float((by_value[-1] - by_value[0])
                                                                      / real[quantity].std()), 2),
                                     "one_way_share": round(one_way_share(per_step, rho), 3)}
        strongest = max(table[name], key=lambda q: abs(table[name][q]["spearman"]))
        effects[name] = strongest
    return {
        "category purity": {
            "value": round(mean_purity, 3), "per_category": purity, "distinct classes": len(classes),
            "note": f"share of {PER_CATEGORY} images per category value that the project's {data_name} classifier "
                    f"calls by the category's most common class; {len(classes)} distinct classes; category -> class "
                    f"(purity): " + ", ".join(f"{k} -> {v['class']} ({100 * v['purity']:.0f} %)"
                                              for k, v in purity.items())},
        "continuous codes": {
            "value": {name: describe(quantity, table[name][quantity]) for name, quantity in effects.items()},
            "effects": effects, "table": table,
            "note": f"each code swept over {len(SWEEP)} values from -2 to 2 for {Z_PER_VALUE} z (other codes as "
                    "drawn in training); slant = -mu11/mu02, width = horizontal std of the ink (px), ink = mean "
                    "brightness; range = mean change from -2 to 2 over the real images' standard deviation; one way = "
                    f"the share of the {Z_PER_VALUE} images whose quantity moves in the Spearman's direction at every "
                    "step"},
    }
