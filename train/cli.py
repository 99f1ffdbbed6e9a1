"""`python -m train KIND ...` for every registered GAN kind, and the tools that measure or extend a checkpoint
(evaluate, directions, detective, classifier). ``--preset NAME`` runs a named recipe (see presets.py)."""
from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
from pathlib import Path

from gan_demo import atomic
from gan_demo.checkpoints import read_config
from gan_demo.registry import kinds

from . import presets
from .errors import UsageError, is_user_error
from .loop import resolve_device
from .options import TrainOptions
from .precision import PRECISIONS, Precision
from .tasks import task_class

log = logging.getLogger(__name__)
RUN_FILE = "training/run.json"
# options a --resume may change when its command line names them; everything else comes from the run being resumed
RESUMABLE_OVERRIDES = ("epochs", "max_steps", "device", "precision", "save_every", "push_to_hub", "l1_weight",
                       "lr_decay_epochs", "mirror_average", "half_weights", "time_limit")
# recorded in run.json but about this invocation, not the run
INVOCATION_KEYS = ("resume", "out", "command_line", "dry_run", "quiet", "preset")


def add_common_training_flags(parser: argparse.ArgumentParser, epochs: int, batch_size: int, lr: float) -> None:
    parser.add_argument("--out", type=Path, required=True, help="run / checkpoint folder to write")
    parser.add_argument("--preset", help=f"a named recipe: {', '.join(presets.PRESETS)} (later flags override it)")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--lr", type=float, default=lr, help="Adam learning rate of G and D")
    parser.add_argument("--lr-g", type=float, default=None, help="the generator's learning rate (default: --lr)")
    parser.add_argument("--lr-d", type=float, default=None, help="the discriminator's learning rate (default: --lr)")
    parser.add_argument("--lr-decay-epochs", type=int, default=0,
                        help="let the learning rates fall linearly to zero over the last N epochs (0: constant)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue the run found in --out exactly")
    parser.add_argument("--save-every", type=int, default=0, help="checkpoint every N steps instead of at every epoch's end (0: at epoch ends)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after N steps in total (0: no limit)")
    parser.add_argument("--time-limit", type=float, default=0, metavar="MINUTES",
                        help="stop and save after this many minutes of this invocation (0: no limit; each process reads "
                             "its own clock, so under torchrun bound runs with --max-steps instead)")
    parser.add_argument("--compile", action="store_true", help="torch.compile every network (best on CUDA)")
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
    for name in kinds():
        task = task_class(name)
        sub = commands.add_parser(name, help=task.help, allow_abbrev=False)
        add_common_training_flags(sub, **task.defaults)
        task.add_arguments(sub)
    from .tools.classifier import add_classifier_parser
    from .tools.detective import add_detective_parser
    from .tools.directions import add_directions_parser
    from .tools.evaluate import add_evaluate_parser
    from .tools.limitations import add_limitations_parser
    from .tools.srgan_metrics import add_srgan_parsers

    for add in (add_evaluate_parser, add_directions_parser, add_detective_parser, add_classifier_parser,
                add_limitations_parser, add_srgan_parsers):
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .distributed import is_main_process

    logging.basicConfig(level=logging.INFO if is_main_process() else logging.WARNING, format="%(message)s")
    argv = sys.argv[1:] if argv is None else argv
    try:
        expanded = presets.expand(argv)
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args = build_parser().parse_args(expanded)
    args.command_line = "python -m train " + shlex.join(argv)
    try:
        if args.command in kinds():
            return run_training(args, argv)
        return args.run_tool(args)
    except KeyboardInterrupt:
        print("interrupted: the last saved checkpoint is kept; continue with --resume", file=sys.stderr)
        return 130
    except Exception as error:  # one clear line for what the user can fix; a traceback for a bug
        if not is_user_error(error):
            raise
        print(f"error: {error}", file=sys.stderr)
        return 2


def run_training(args: argparse.Namespace, argv: list[str]) -> int:
    """Validate (a new run) or restore (a resume) the options, then build the task, train and publish."""
    task = task_class(args.command)
    if not 0 <= args.time_limit < float("inf"):
        raise UsageError(f"--time-limit {args.time_limit}: give minutes, 0 or more (0: no limit)")
    if args.resume:
        args = resolve_resume(args, argv)
    else:
        task.validate(args)
    if args.precision == "auto":  # recorded as chosen, so a resume elsewhere computes as the run began
        args.precision = Precision.choose(resolve_device(args.device), args.precision).name
    options = TrainOptions.from_flags(args, **task.option_overrides(args))
    if args.dry_run:
        print(json.dumps({k: str(v) for k, v in vars(args).items() if k != "run_tool"}, indent=2))
        return 0
    import torch

    data = task.load_data(args)
    log.info("data: %s (%d items)", data.source, len(data))
    torch.manual_seed(args.seed)  # the initial weights depend on the seed alone
    trainer = task.from_args(args, data)
    if args.resume:  # its card keeps the stages that made its starting weights, though these may be gone by now
        trainer.earlier_stages = read_config(args.out)["training"].get("earlier_stages", [])
    train_and_publish(args, trainer, data, options)
    return 0


def resolve_resume(args: argparse.Namespace, argv: list[str]) -> argparse.Namespace:
    """On --resume, the saved options of the run win, except RESUMABLE_OVERRIDES that ``argv`` names (the
    training commands take no abbreviated flags, so a name is the whole flag); every other flag the command line
    names is reported as overridden."""
    run_file = args.out / RUN_FILE
    if not run_file.exists():
        raise UsageError(f"--resume: {run_file} not found; start a new run without --resume")
    saved = json.loads(run_file.read_text())
    if "precision" not in saved:  # recorded before --precision: such runs computed in bf16 on CUDA, else fp32
        saved["precision"] = "bf16" if resolve_device(saved.get("device", "auto")).type == "cuda" else "fp32"
    args.command_line = f"{saved['command_line']} ; resumed with: {args.command_line}"
    for key, value in saved.items():
        if key in INVOCATION_KEYS:
            continue
        if key in RESUMABLE_OVERRIDES and names_flag(argv, key):
            continue
        if names_flag(argv, key) and getattr(args, key, value) != value:
            log.warning("--%s %s is ignored: the resumed run keeps %s (only %s may change on --resume)",
                        key.replace("_", "-"), getattr(args, key), value,
                        ", ".join("--" + k.replace("_", "-") for k in RESUMABLE_OVERRIDES))
        setattr(args, key, value)
    from .distributed import is_main_process

    if is_main_process() and not args.dry_run:  # the card then names every command that shaped the run
        atomic.write_json(run_file, {**saved, "command_line": args.command_line})
    return args


def names_flag(argv: list[str], key: str) -> bool:
    """Whether ``argv`` sets the option ``key``, as --key, --key=VALUE or --no-key."""
    flags = ("--" + key.replace("_", "-"), "--no-" + key.replace("_", "-"))
    return any(token in flags or token.startswith(flags[0] + "=") for token in argv)


def save_run_options(args: argparse.Namespace) -> None:
    from .distributed import is_main_process

    if not is_main_process():
        return
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "run_tool"}
    atomic.write_json(args.out / RUN_FILE, options)


def train_and_publish(args: argparse.Namespace, task, data, options: TrainOptions) -> None:
    """Record the options (new runs), train, and upload the folder when --push-to-hub asks for it."""
    from .loop import fit

    if not args.resume:
        save_run_options(args)
    fit(task, data, options, args.out, resume=args.resume, show_progress=not args.quiet)
    log.info("checkpoint written to %s", args.out)
    if args.push_to_hub:
        from gan_demo.hub import push_checkpoint

        from .model_card import write_model_card

        write_model_card(args.out, repo_id=args.push_to_hub)  # its "Use it" loads the Hub repo
        log.info("uploaded: %s", push_checkpoint(args.out, args.push_to_hub))
