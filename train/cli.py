"""`python -m train {dcgan,cgan,pix2pix,evaluate} ...`: every way of making or measuring weights."""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path

from gan_demo import atomic

from .loop import resolve_device
from .precision import PRECISIONS, Precision

RUN_FILE = "training/run.json"
# options a --resume may change when its command line names them; everything else comes from the run being resumed
RESUMABLE_OVERRIDES = ("epochs", "max_steps", "device", "precision", "save_every", "push_to_hub", "l1_weight",
                       "lr_decay_epochs", "mirror_average", "half_weights")


def add_common_training_flags(parser: argparse.ArgumentParser, epochs: int, batch_size: int, lr: float) -> None:
    parser.add_argument("--out", type=Path, required=True, help="run / checkpoint folder to write")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, default=lr, help="Adam learning rate of G and D")
    parser.add_argument("--lr-decay-epochs", type=int, default=0,
                        help="let the learning rates fall linearly to zero over the last N epochs (0: constant)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue the run found in --out exactly")
    parser.add_argument("--save-every", type=int, default=0, help="also checkpoint every N steps")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after N steps in total (0: no limit)")
    parser.add_argument("--compile", action="store_true", help="torch.compile G and D (best on CUDA)")
    parser.add_argument("--precision", choices=PRECISIONS, default="auto",
                        help="auto: bf16 autocast on GPUs and CPUs with bf16 units (CUDA from Ampere on, AVX512-BF16, "
                             "AMX), else fp32; a new run records what auto chose")
    parser.add_argument("--half-weights", action=argparse.BooleanOptionalAction, default=False,
                        help="store the generator's weights in fp16: half the file, computed in fp32 once loaded")
    parser.add_argument("--push-to-hub", metavar="USER/REPO", help="upload the finished folder to the Hub")
    parser.add_argument("--dry-run", action="store_true", help="print the resolved options and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m train", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for kind in ("dcgan", "cgan"):
        sub = commands.add_parser(kind, help=f"train a {kind.upper()} generator", allow_abbrev=False)
        choices = "mnist|fashion-mnist" + ("|openmoji|IMAGE_FOLDER" if kind == "dcgan" else "")
        sub.add_argument("--data", required=True, help=choices)
        add_common_training_flags(sub, epochs=25, batch_size=64, lr=2e-4)
        sub.add_argument("--image-size", type=int, default=None, help="28, 32 or 64 (default: 28 digits, 64 else)")
        sub.add_argument("--channels", type=int, choices=(1, 3), default=None, help="default: the data's own")
        sub.add_argument("--width", type=int, default=64, help="base width (ngf = ndf) of G and D")
        sub.add_argument("--augment", default=None,
                         help="DiffAugment policy, e.g. color,translation,cutout or none (default: by data)")
        sub.add_argument("--ema-decay", type=float, default=0.999, help="EMA of G's weights (0: off)")
        if kind == "cgan":
            sub.add_argument("--label-input", choices=("projection", "maps"), default="projection",
                             help="how D sees the label")
            sub.add_argument("--embed-dim", type=int, default=50)
            sub.add_argument("--auxiliary-weight", type=float, default=1.0,
                             help="weight of the AC-GAN class loss on D's auxiliary head (0: no head)")
            sub.add_argument("--mode-seeking", type=float, default=1.0,
                             help="weight of the mode-seeking term that keeps z meaningful per label (0: off)")
    from .pix2pix_cli import add_pix2pix_parser

    add_pix2pix_parser(commands, add_common_training_flags)
    evaluate = commands.add_parser("evaluate", help="measure a checkpoint and write the figures into its card")
    evaluate.add_argument("name", help="shipped name, folder or Hub repo id")
    evaluate.add_argument("--samples", type=int, default=1000, help="images per class (cGAN) or in all")
    evaluate.add_argument("--inception-weights", type=Path, default=None,
                          help="local pt_inception-2015-12-05 weights for FID / IS when offline")
    evaluate.add_argument("--seed", type=int, default=2)
    directions = commands.add_parser("directions", help="compute GANSpace directions into a checkpoint folder")
    directions.add_argument("name", help="shipped name or folder")
    directions.add_argument("--count", type=int, default=8)
    directions.add_argument("--samples", type=int, default=5000)
    directions.add_argument("--seed", type=int, default=0)
    from .detective import add_detective_parser

    add_detective_parser(commands)
    classifier = commands.add_parser("classifier", help="train the MNIST classifier used by evaluate")
    classifier.add_argument("--out", type=Path, required=True)
    classifier.add_argument("--epochs", type=int, default=30)
    classifier.add_argument("--seed", type=int, default=0)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .distributed import is_main_process

    logging.basicConfig(level=logging.INFO if is_main_process() else logging.WARNING, format="%(message)s")
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    args.command_line = "python -m train " + shlex.join(argv)
    try:
        if args.command in ("dcgan", "cgan"):
            from .image_gan import run_image_gan

            return run_image_gan(resolve_resume(args, argv))
        if args.command == "pix2pix":
            from .pix2pix_cli import run_pix2pix

            return run_pix2pix(resolve_resume(args, argv))
        if args.command == "evaluate":
            from .evaluate import run_evaluate

            return run_evaluate(args)
        if args.command == "directions":
            from .directions import run_directions

            return run_directions(args)
        if args.command == "detective":
            from .detective import run_detective

            return run_detective(args)
        if args.command == "classifier":
            from .classifier import run_train_classifier

            return run_train_classifier(args)
    except KeyboardInterrupt:
        print("interrupted: the last saved checkpoint is kept; continue with --resume", file=sys.stderr)
        return 130
    except Exception as error:  # one clear line, not a traceback, for every expected failure
        from .errors import is_user_error

        if not is_user_error(error):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def resolve_resume(args: argparse.Namespace, argv: list[str]) -> argparse.Namespace:
    """On --resume, the saved options of the run win, except RESUMABLE_OVERRIDES that ``argv`` names (the
    training commands take no abbreviated flags, so a name is the whole flag); else save them."""
    run_file = args.out / RUN_FILE
    if args.resume:
        if not run_file.exists():
            raise FileNotFoundError(f"--resume: {run_file} not found; start a new run without --resume")
        saved = json.loads(run_file.read_text())
        if "precision" not in saved:  # recorded before --precision: such runs computed in bf16 on CUDA, else fp32
            saved["precision"] = "bf16" if resolve_device(saved.get("device", "auto")).type == "cuda" else "fp32"
        args.command_line = f"{saved['command_line']} ; resumed with: {args.command_line}"
        for key, value in saved.items():
            if key in RESUMABLE_OVERRIDES and names_flag(argv, key):
                continue
            if key not in ("resume", "out", "command_line", "dry_run", "quiet"):
                setattr(args, key, value)
        from .distributed import is_main_process

        if is_main_process() and not args.dry_run:  # the card then names every command that shaped the run
            atomic.write_json(run_file, {**saved, "command_line": args.command_line})
    if args.precision == "auto":  # recorded as chosen, so a resume elsewhere computes as the run began
        args.precision = Precision.choose(resolve_device(args.device), args.precision).name
    return args


def names_flag(argv: list[str], key: str) -> bool:
    """Whether ``argv`` sets the option ``key``, as --key, --key=VALUE or --no-key."""
    flags = ("--" + key.replace("_", "-"), "--no-" + key.replace("_", "-"))
    return any(token in flags or token.startswith(flags[0] + "=") for token in argv)


def save_run_options(args: argparse.Namespace) -> None:
    from .distributed import is_main_process

    if not is_main_process():
        return
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    atomic.write_json(args.out / RUN_FILE, options)


def train_and_publish(args: argparse.Namespace, task, data, options) -> None:
    """Record the options (new runs), train, and upload the folder when --push-to-hub asks for it."""
    from .loop import fit

    if not args.resume:
        save_run_options(args)
    fit(task, data, options, args.out, resume=args.resume, show_progress=not args.quiet)
    logging.getLogger(__name__).info("checkpoint written to %s", args.out)
    if args.push_to_hub:
        from gan_demo.hub import push_checkpoint

        logging.getLogger(__name__).info("uploaded: %s", push_checkpoint(args.out, args.push_to_hub))
