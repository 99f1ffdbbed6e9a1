"""`python -m train limitations NAME "what it gets wrong" ...`: record what a person saw the model get wrong
(drawing with a fat pen, dragging every slider, looking at 64 samples) in the card's Limitations section.

The notes are a section of config.json like the tools' figures, stamped with the digest of the weights they
were seen on, so a card never presents old observations as if they were about new weights.
"""
from __future__ import annotations

import argparse

import gan_demo
from gan_demo.checkpoints import read_config, update_section, weights_digest

from ..errors import UsageError
from ..model_card import write_model_card


def add_limitations_parser(commands) -> None:
    sub = commands.add_parser("limitations", help="record what the model gets wrong in its card")
    sub.add_argument("name", help="shipped name or checkpoint folder")
    sub.add_argument("notes", nargs="+", help="one sentence each, with the measurement where there is one")
    sub.add_argument("--replace", action="store_true", help="replace the recorded notes instead of adding to them")
    sub.set_defaults(run_tool=run_limitations)


def run_limitations(args: argparse.Namespace) -> int:
    folder = gan_demo.load(args.name).folder
    if folder is None:
        raise UsageError(f"{args.name}: notes go into a checkpoint folder; this is a bare weights file")
    digest = weights_digest(folder)
    recorded = read_config(folder).get("limitations", {})
    kept = [] if args.replace or recorded.get("weights") != digest else recorded.get("notes", [])
    update_section(folder, "limitations", {"weights": digest, "notes": kept + [n.strip() for n in args.notes]})
    write_model_card(folder)
    return 0
