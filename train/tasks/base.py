"""The contract between a GAN kind and the one training loop (``train.loop.fit``).

A task owns its networks (``networks``: name -> module) and says, as *phases*, what one training step does: each
phase computes one loss with ``loss(phase, batch)`` and steps one optimiser group, as StyleGAN2-ADA's
``accumulate_gradients(phase, ...)`` does. A phase can run every N steps (lazy regularisation) and can freeze
networks it only needs gradients *through*. The loop owns optimisers, precision, EMA, checkpoints and run files,
and knows no kind: two generators and two discriminators, or an R1 phase every 16 steps, need no special case.

A task class is also how the CLI learns a kind's flags: ``add_arguments``, ``validate`` (a ``UsageError`` for a
combination that means nothing), ``load_data`` and ``from_args``.
"""
from __future__ import annotations

import abc
import argparse
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn

from ..errors import UsageError


@dataclass(frozen=True)
class Phase:
    name: str  # "D", "G", "R1", ...: also the loss column "loss_<name>" of losses.csv
    optimizer: str  # the optimiser group it steps: "G" or "D"
    frozen: tuple[str, ...] = ()  # networks whose weight gradients this phase does not need
    every: int = 1  # run on steps divisible by this (lazy regularisation)


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1]."""
    return images.float().div_(127.5).sub_(1.0)


def copy_weights(target: nn.Module, source: nn.Module, what: str, fresh: tuple[str, ...] = ()) -> None:
    """``source``'s weights into ``target`` (each tensor cast to the target's dtype: a half-weights checkpoint trains
    on in fp32), or a UsageError naming the first tensor that one of them lacks or has in another shape. Tensors
    under a ``fresh`` prefix (a head the source was trained without) keep their new values when the source lacks
    them."""
    wanted, given = target.state_dict(), source.state_dict()
    new_heads = {key for key in wanted.keys() - given.keys() if key.startswith(fresh)}  # () matches none
    for key in sorted((wanted.keys() - new_heads) | given.keys()):
        if key not in wanted or key not in given or wanted[key].shape != given[key].shape:
            shapes = [tuple(state[key].shape) if key in state else "missing" for state in (wanted, given)]
            raise UsageError(f"{what}: not this architecture ({key}: {shapes[0]} here, {shapes[1]} there); "
                             f"pass the flags it was trained with (--width, ...)")
    target.load_state_dict({**{key: wanted[key] for key in new_heads}, **given})


class Task(abc.ABC):
    kind: str  # the registered kind whose checkpoint this task writes
    help: str = ""  # one line for `python -m train --help`
    defaults: dict = {"epochs": 25, "batch_size": 64, "lr": 2e-4}  # of the shared training flags
    generator_name = "G"  # the network shipped as model.safetensors (and averaged by the EMA)
    optimizer_groups: dict[str, tuple[str, ...]] = {"G": ("G",), "D": ("D",)}  # group -> networks it updates

    def __init__(self, config, networks: dict[str, nn.Module]):
        self.config = config
        self.networks = networks
        self.earlier_stages: list[dict] = []  # a run started from trained weights (--init-from): what made them

    # ---- the command line -------------------------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """The kind's own flags (the shared ones are added by the CLI)."""

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        """Fill defaults that depend on other flags; raise UsageError for flags that mean nothing together."""

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        """TrainOptions fields this kind sets from its flags (``extra`` is recorded in run.json and the card)."""
        return {}

    @classmethod
    @abc.abstractmethod
    def load_data(cls, args: argparse.Namespace):
        """The dataset the flags name."""

    @classmethod
    @abc.abstractmethod
    def from_args(cls, args: argparse.Namespace, data) -> "Task":
        """A fresh task (networks initialised from the current RNG state)."""

    # ---- a training step ----------------------------------------------------------------------------------------
    @abc.abstractmethod
    def phases(self) -> list[Phase]:
        """The phases of one step, in order."""

    @abc.abstractmethod
    def make_batch(self, data, indices: torch.Tensor) -> dict:
        """The batch of ``indices`` (on the data's device), shared by every phase of the step."""

    @abc.abstractmethod
    def loss(self, phase: str, batch: dict) -> tuple[torch.Tensor, dict]:
        """(loss to minimise, stats to log) of ``phase``; may leave tensors in ``batch`` for later phases."""

    def prepare(self, data) -> None:
        """Precompute what the sample grid needs from the data (once, before the first step)."""

    @contextmanager
    def uncompiled(self, name: str):
        """Within the block, ``networks[name]`` is the module as it was before the loop's ``torch.compile``."""
        compiled = self.networks[name]
        self.networks[name] = getattr(compiled, "_orig_mod", compiled)
        try:
            yield
        finally:
            self.networks[name] = compiled

    # ---- what gets saved ------------------------------------------------------------------------------------------
    @property
    def generator(self) -> nn.Module:
        return self.networks[self.generator_name]

    @property
    def shipped_discriminator(self) -> str | None:
        """The network saved as discriminator.safetensors (the detective), or None: an untrained D is not shipped."""
        return "D" if any(phase.optimizer == "D" for phase in self.phases()) else None

    @abc.abstractmethod
    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        """(N, C, H, W) in [-1, 1]: the images of the per-save grid, from fixed inputs."""

    def grid_columns(self) -> int:
        return 8

    def state_dict(self) -> dict:
        """What the task keeps between steps beyond its networks (tensors, lists, numbers), saved for --resume."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore ``state_dict()``'s output."""

    def recalibrate(self, generator: nn.Module) -> None:
        """Re-estimate what the EMA copy cannot average (batch-norm statistics); nothing by default."""
