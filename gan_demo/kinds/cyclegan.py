"""CycleGAN (Zhu et al. 2017): two generators that translate between image domains A and B without paired
examples, each kept honest by the other (A -> B -> A must give A back), and a PatchGAN discriminator per domain.

Each generator is the reference ``ResnetGenerator`` (junyanz/pytorch-CycleGAN-and-pix2pix, ``models/networks.py``)
with its exact module indices (``model.N.*``, residual blocks as ``model.N.conv_block.*``), so a published
``latest_net_G_A.pth`` loads as it is: width, residual blocks and dropout are read from the tensors. The shipped
folder holds both directions as ``a_to_b.*`` and ``b_to_a.*``; a single foreign generator is a one-way model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import torch
from torch import nn

from ..foreign import drop_old_norm_keys
from ..registry import KindSpec, register
from ..translate import DomainTranslator
from .pix2pix import init_pix2pix_weights, patch_layers

DIRECTIONS = ("AtoB", "BtoA")
MODULE_NAMES = {"AtoB": "a_to_b", "BtoA": "b_to_a"}


@dataclass
class CycleGANConfig:
    channels_a: int = 3
    channels_b: int = 3
    base_width: int = 64  # ngf: channels after the 7x7 stem (x4 in the residual blocks)
    residual_blocks: int = 9  # the reference uses 9 at 256 px, 6 at 128 px
    dropout: bool = False  # dropout 0.5 inside the residual blocks (off in the reference CycleGAN)
    image_size: int = 256  # the size it was trained at: inputs are brought to it
    domains: list[str] = field(default_factory=lambda: ["A", "B"])  # what A and B are, for people
    directions: list[str] = field(default_factory=lambda: list(DIRECTIONS))  # the generators this model has
    disc_width: int = 64  # ndf of each PatchGAN
    disc_layers: int = 3  # 3: the 70x70 PatchGAN

    def __post_init__(self):
        if not self.directions or any(d not in DIRECTIONS for d in self.directions):
            raise ValueError(f"directions must be a non-empty subset of {DIRECTIONS}, got {self.directions}")
        if len(self.domains) != 2 or self.image_size % 4 or self.residual_blocks < 1:
            raise ValueError("two domain names, an image size divisible by 4 and at least one residual block")


class ResnetBlock(nn.Module):
    def __init__(self, width: int, dropout: bool):
        super().__init__()
        layers = [nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3), instance_norm(width), nn.ReLU(True)]
        layers += [nn.Dropout(0.5)] if dropout else []
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3), instance_norm(width)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


def instance_norm(channels: int) -> nn.Module:
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


class ResnetGenerator(nn.Module):
    """7x7 stem, two stride-2 convolutions, residual blocks at 1/4 resolution, two transposed convolutions back,
    a 7x7 convolution to the output channels and tanh. Fully convolutional: any size divisible by 4."""

    def __init__(self, in_channels: int, out_channels: int, config: CycleGANConfig):
        super().__init__()
        ngf = config.base_width
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7), instance_norm(ngf), nn.ReLU(True)]
        for multiplier in (1, 2):
            layers += [nn.Conv2d(ngf * multiplier, ngf * multiplier * 2, 3, stride=2, padding=1),
                       instance_norm(ngf * multiplier * 2), nn.ReLU(True)]
        layers += [ResnetBlock(ngf * 4, config.dropout) for _ in range(config.residual_blocks)]
        for multiplier in (4, 2):
            layers += [nn.ConvTranspose2d(ngf * multiplier, ngf * multiplier // 2, 3, stride=2, padding=1,
                                          output_padding=1),
                       instance_norm(ngf * multiplier // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.model(images)


class CycleGANGenerators(nn.Module):
    """The generators of ``config.directions``: ``a_to_b`` (G of the paper) and ``b_to_a`` (F)."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.config = config
        channels = {"AtoB": (config.channels_a, config.channels_b), "BtoA": (config.channels_b, config.channels_a)}
        for direction in config.directions:
            self.add_module(MODULE_NAMES[direction], ResnetGenerator(*channels[direction], config))
        self.apply(init_pix2pix_weights)

    def forward(self, images: torch.Tensor, direction: str = "AtoB") -> torch.Tensor:
        """(N, C, H, W) in [-1, 1], H and W divisible by 4 -> the other domain's (N, C', H, W)."""
        if direction not in self.config.directions:
            raise ValueError(f"this model translates {' and '.join(self.config.directions)} only, not {direction!r}")
        return getattr(self, MODULE_NAMES[direction])(images)


class CycleGANDiscriminators(nn.Module):
    """One 70x70 PatchGAN per domain: ``a`` judges images of A (real or made by b_to_a), ``b`` those of B."""

    def __init__(self, config: CycleGANConfig):
        super().__init__()
        self.config = config
        self.a = nn.Sequential(*patch_layers(config.channels_a, config.disc_width, config.disc_layers, "instance"))
        self.b = nn.Sequential(*patch_layers(config.channels_b, config.disc_width, config.disc_layers, "instance"))
        self.apply(init_pix2pix_weights)

    def forward(self, images: torch.Tensor, domain: str) -> torch.Tensor:
        """A logit per overlapping patch of ``images``, as judged by domain ``domain``'s ("A" or "B") critic."""
        return (self.a if domain == "A" else self.b)(images)


def from_foreign(state: dict[str, torch.Tensor], source) -> tuple[CycleGANConfig, dict] | None:
    """A reference ``ResnetGenerator`` state dict (``model.1.weight`` is the 7x7 stem, residual blocks hold
    ``conv_block``): a one-way model, its direction named AtoB. Old files' instance-norm statistics are dropped."""
    stem = state.get("model.1.weight")
    if stem is None or stem.dim() != 4 or stem.shape[-1] != 7:
        return None
    blocks = {int(m.group(1)) for k in state if (m := re.fullmatch(r"model\.(\d+)\.conv_block\..*", k))}
    if not blocks:
        return None
    last = max(int(k.split(".")[1]) for k in state if re.fullmatch(r"model\.\d+\.weight", k))
    dropout = any(k.endswith("conv_block.6.weight") for k in state)
    config = CycleGANConfig(channels_a=stem.shape[1], channels_b=state[f"model.{last}.weight"].shape[0],
                            base_width=stem.shape[0], residual_blocks=len(blocks), dropout=dropout,
                            directions=["AtoB"], image_size=256)
    kept = drop_old_norm_keys(state, batch_norm=False)
    return config, {f"{MODULE_NAMES['AtoB']}.{k}": v for k, v in kept.items()}


def objective(options: dict) -> str:
    cycle = options.get("cycle_weight", 10.0)
    return (f"least-squares GAN loss per domain + cycle consistency (L1) × {cycle:g} + identity (L1) × "
            f"{cycle * options.get('identity_weight', 0.5):g}, fakes judged from a history of "
            f"{options.get('pool_size', 50)} (Zhu et al. 2017)")


SPEC = register(KindSpec(
    name="cyclegan", title="CycleGAN", config_class=CycleGANConfig, generator_class=CycleGANGenerators,
    discriminator_class=CycleGANDiscriminators, wrapper=DomainTranslator, view="domains",
    task="train.tasks.cyclegan:CycleGANTask", pipeline_tag="image-to-image",
    usage=lambda payload: ("from PIL import Image\n"
                           "image = Image.new(\"RGB\", (256, 256), \"white\")  # any picture of domain A\n"
                           "other_style = model.translate(image, direction=\"AtoB\")\n"
                           "back_again = model.translate(other_style, direction=\"BtoA\")"),
    from_foreign=from_foreign, objective=objective))
