"""Named recipes: ``python -m train --preset NAME --out DIR`` runs the command line a shipped model was trained
with (flags after the preset override its values). Live presets are the small runs of the app's Train tab."""
from __future__ import annotations

import shlex

from .errors import UsageError

# name -> (what it makes, the sub-command and flags)
PRESETS: dict[str, tuple[str, str]] = {
    "mnist-cgan": ("the shipped MNIST conditional GAN",
                   "cgan --data mnist --label-input projection --augment none --width 128 --epochs 150 "
                   "--lr-decay-epochs 75 --save-every 200 --half-weights --precision fp32"),
    "mnist-dcgan": ("the shipped MNIST DCGAN",
                    "dcgan --data mnist --augment none --width 128 --lr-g 1e-3 --lr-d 2e-4 --r1-gamma 1 --epochs 250 "
                    "--lr-decay-epochs 125 --batch-size 64 --save-every 2000 --half-weights --precision fp32"),
    "mnist-infogan": ("the shipped MNIST InfoGAN's base recipe (its card: three stages, from --category-gain 3)",
                      "infogan --data mnist --augment translation --lr-g 1e-3 --lr-d 2e-4 --continuous-weight 0.5 "
                      "--epochs 120 --lr-decay-epochs 60 --save-every 2000 --half-weights --seed 4"),
    "mnist-infogan-guided": ("the shipped MNIST InfoGAN whose category 10 labelled digits per class guide",
                             "infogan --data mnist --augment translation --lr-g 1e-3 --lr-d 2e-4 "
                             "--continuous-weight 1.0 --guide-labels 10 --epochs 40 --lr-decay-epochs 20 "
                             "--save-every 500 --half-weights --seed 4"),
    "fashion-infogan": ("the shipped Fashion-MNIST InfoGAN",
                        "infogan --data fashion-mnist --augment translation --lr-g 1e-3 --lr-d 2e-4 "
                        "--continuous-weight 0.5 --epochs 12 --lr-decay-epochs 6 --save-every 1000 --half-weights"),
    "fashion-cgan": ("the shipped Fashion-MNIST conditional GAN",
                     "cgan --data fashion-mnist --label-input projection --augment translation --epochs 12 "
                     "--lr-decay-epochs 4 --save-every 500"),
    "openmoji-dcgan": ("the shipped OpenMoji DCGAN",
                       "dcgan --data openmoji --width 64 --batch-size 64 --epochs 400 --lr-decay-epochs 200 "
                       "--save-every 2000 --half-weights"),
    "openmoji-twemoji-cyclegan": ("the shipped OpenMoji <-> Twemoji CycleGAN",
                                  "cyclegan --data openmoji-twemoji --image-size 64 --width 32 --residual-blocks 6 "
                                  "--batch-size 4 --epochs 7 --lr-decay-epochs 4 --save-every 2000 --half-weights"),
    "openmoji-pix2pix": ("the shipped OpenMoji sketch colouriser",
                         "pix2pix --data openmoji --gan-weight 0 --reconstruction l2 --lr 2e-3 --batch-size 16 "
                         "--no-dropout --norm batch --inference-mode eval --jitter 1 --epochs 100 "
                         "--lr-decay-epochs 50 --save-every 500 --width 28 --mirror-average --half-weights"),
    # the Train tab's runs: small, no EMA (a few hundred steps are too few to average; the grid shows G live)
    "live-mnist-cgan": ("MNIST digits, conditional GAN (28 px)",
                        "cgan --data mnist --width 32 --batch-size 32 --ema-decay 0 --epochs 1000 --device cpu"),
    "live-mnist-dcgan": ("MNIST digits, DCGAN (28 px)",
                         "dcgan --data mnist --width 32 --batch-size 32 --ema-decay 0 --epochs 1000 --device cpu"),
    "live-openmoji-dcgan": ("OpenMoji emoji, DCGAN (32 px)",
                            "dcgan --data openmoji --image-size 32 --data-limit 1024 --width 32 --batch-size 32 "
                            "--ema-decay 0 --epochs 1000 --device cpu"),
}


def expand(argv: list[str]) -> list[str]:
    """``argv`` with ``--preset NAME`` replaced by the preset's sub-command and flags, the user's flags after
    them (so they win). ``KIND --preset NAME`` is accepted when KIND is the preset's own."""
    if "--preset" not in argv:
        return argv
    at = argv.index("--preset")
    if at + 1 >= len(argv) or argv[at + 1] not in PRESETS:
        raise UsageError(f"--preset: choose one of {', '.join(PRESETS)}")
    command, *flags = shlex.split(PRESETS[argv[at + 1]][1])
    rest = argv[:at] + argv[at + 2:]
    if rest and not rest[0].startswith("-"):
        if rest[0] != command:
            raise UsageError(f"--preset {argv[at + 1]} trains a {command}, not a {rest[0]}")
        rest = rest[1:]
    return [command, *flags, *rest]


def matching_preset(command_line: str) -> str | None:
    """The preset whose recipe a recorded command line ran, its resumes included (--out, --resume and --quiet
    aside), if any."""
    recipe: dict[str, str] = {}
    for segment in command_line.split(" ; "):
        segment = segment.removeprefix("resumed with: ")
        tokens = shlex.split(segment)[3:] if segment.startswith("python -m train") else []
        if "--preset" in tokens:
            return tokens[tokens.index("--preset") + 1]
        recipe.update(_flags(tokens))
    for name, (_, preset) in PRESETS.items():
        if _flags(shlex.split(preset)) == recipe:
            return name
    return None


def _flags(tokens: list[str]) -> dict[str, str]:
    """flag -> value of a command (the sub-command under ""); where-to-run flags left out."""
    found, skip = {}, {"--out", "--resume", "--quiet"}
    for i, token in enumerate(tokens):
        if not token.startswith("--"):
            if i == 0:
                found[""] = token
            continue
        if token not in skip:
            found[token] = tokens[i + 1] if i + 1 < len(tokens) and not tokens[i + 1].startswith("--") else ""
    return found
