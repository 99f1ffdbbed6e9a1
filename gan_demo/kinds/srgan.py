"""SRGAN (Ledig et al. 2017): the SRResNet generator and the SRGAN discriminator, for 4x photo super-resolution.

The generator follows the paper's SRResNet: a 9x9 convolution, residual blocks with a long skip over them, two
x2 sub-pixel stages (convolution, PixelShuffle, PReLU), and a 9x9 convolution to RGB. Two choices differ from the
paper, each for a reason measured in the literature:

- batch norm is off by default (``batch_norm``): EDSR and ESRGAN showed that removing it from the residual blocks
  raises PSNR and removes the colour and texture artefacts it causes when test statistics differ from a batch's;
- the sub-pixel convolutions get ICNR initialisation (Aitken et al. 2017): each group of r*r output channels that
  PixelShuffle spreads over one r x r cell starts with the same kernel, so the untrained stage is a nearest-neighbour
  upsampling and training starts free of checkerboard artefacts.

The discriminator is the paper's VGG-style stack (eight 3x3 convolutions, stride 2 every second one, widths 64 to
512, batch norm and LeakyReLU 0.2), but its dense layers are 1x1 convolutions after global average pooling, so it
takes any crop size (the paper's dense layer fixes the input at 96 px and alone holds 19 M parameters).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import KindSpec, register
from ..superres import SuperResolver


@dataclass
class SRGANConfig:
    channels: int = 3
    scale: int = 4  # upscaling factor: a power of two, one x2 PixelShuffle stage per factor of 2
    width: int = 64  # channels of the residual trunk
    blocks: int = 16  # residual blocks
    batch_norm: bool = False  # the paper's batch norm in the residual blocks
    image_size: int = 96  # the high-resolution crop size it was trained at (any input size works)
    disc_width: int = 64  # channels of the discriminator's first convolution
    upsample_width: int = 0  # channels of the x2 stages and the tail; 0: the trunk's width (the paper's)

    def __post_init__(self):
        if self.scale < 2 or self.scale & (self.scale - 1):
            raise ValueError(f"scale must be a power of two (2, 4, 8, ...), got {self.scale}")
        if self.blocks < 1 or self.width < 1:
            raise ValueError(f"blocks and width must be positive, got {self.blocks} and {self.width}")
        if self.upsample_width < 0:
            raise ValueError(f"upsample_width must be 0 (the trunk's width) or positive, got {self.upsample_width}")
        if self.image_size % self.scale:
            raise ValueError(f"image_size {self.image_size} is not a multiple of the scale {self.scale}")

    @property
    def upsampler_channels(self) -> int:
        """The channels the x2 stages and the tail really have (``upsample_width``, or the trunk's when 0)."""
        return self.upsample_width or self.width


class ResidualBlock(nn.Module):
    def __init__(self, width: int, batch_norm: bool):
        super().__init__()
        norm = (lambda: nn.BatchNorm2d(width)) if batch_norm else nn.Identity
        self.body = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), norm(), nn.PReLU(width),
                                  nn.Conv2d(width, width, 3, padding=1), norm())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class SubPixelUpsample(nn.Module):
    """x2: a convolution to 4x the output channels, PixelShuffle, PReLU; ICNR-initialised."""

    def __init__(self, in_width: int, out_width: int):
        super().__init__()
        self.conv = nn.Conv2d(in_width, out_width * 4, 3, padding=1)
        self.shuffle = nn.PixelShuffle(2)
        self.act = nn.PReLU(out_width)
        icnr_(self.conv.weight, factor=2)
        nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.shuffle(self.conv(x)))

    def unshuffled(self, x: torch.Tensor) -> torch.Tensor:
        """``forward`` without the PixelShuffle: the same values, each output channel's ``factor**2`` sub-pixels
        still as channels (PReLU goes first, its per-channel slopes repeated for every sub-pixel)."""
        slopes = self.act.weight.repeat_interleave(self.shuffle.upscale_factor ** 2)
        return F.prelu(self.conv(x), slopes)


@torch.no_grad()
def icnr_(weight: torch.Tensor, factor: int) -> torch.Tensor:
    """ICNR: a Kaiming kernel per output channel of the shuffled image, repeated for its factor**2 sub-pixels.
    PixelShuffle sends channel ``c * factor**2 + k`` to sub-pixel k of channel c, hence ``repeat_interleave``."""
    out_channels = weight.shape[0] // factor ** 2
    base = torch.empty(out_channels, *weight.shape[1:], dtype=weight.dtype, device=weight.device)
    nn.init.kaiming_normal_(base, nonlinearity="relu")
    return weight.copy_(base.repeat_interleave(factor ** 2, dim=0))


class SRResNet(nn.Module):
    def __init__(self, config: SRGANConfig):
        super().__init__()
        self.config = config
        c, w = config.channels, config.width
        self.head = nn.Sequential(nn.Conv2d(c, w, 9, padding=4), nn.PReLU(w))
        trunk_norm = nn.BatchNorm2d(w) if config.batch_norm else nn.Identity()
        self.trunk = nn.Sequential(*[ResidualBlock(w, config.batch_norm) for _ in range(config.blocks)],
                                   nn.Conv2d(w, w, 3, padding=1), trunk_norm)
        u = config.upsampler_channels
        stages = int(math.log2(config.scale))
        self.upsample = nn.Sequential(*[SubPixelUpsample(w if index == 0 else u, u) for index in range(stages)])
        self.tail = nn.Conv2d(u, c, 9, padding=4)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) in [-1, 1] -> (N, C, scale*h, scale*w), roughly in [-1, 1] (not clamped: the loss sees
        overshoot, the inference wrapper clamps)."""
        features = self.head(images)
        return self.tail(self.upsample(features + self.trunk(features)))

    def infer(self, images: torch.Tensor) -> torch.Tensor:
        """``forward`` for inference on a CPU, the same up to float rounding and about twice as fast: channels-last
        activations (oneDNN's fast layout), and the last x2 stage's PixelShuffle moved after the 9x9 tail, which
        then makes 4 x 3 channels at half the output's resolution (see ``conv_before_shuffle``) instead of 3 at full
        resolution, where most of each SIMD register sat idle and it ran at a third of the other layers' speed."""
        features = self.head(images.contiguous(memory_format=torch.channels_last))
        hidden = features + self.trunk(features)
        *stages, last = self.upsample
        for stage in stages:
            hidden = stage(hidden)
        factor = last.shuffle.upscale_factor
        weight, bias, padding = conv_before_shuffle(self.tail.weight, self.tail.bias, factor)
        return F.pixel_shuffle(F.conv2d(last.unshuffled(hidden), weight, bias, padding=padding), factor)


def conv_before_shuffle(weight: torch.Tensor, bias: torch.Tensor,
                        factor: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Weights, bias and padding of a convolution of a PixelShuffle's input that, shuffled, equals the odd-sized,
    zero-padded ("same") convolution ``weight`` of its output (the polyphase form). Output sub-pixel (a, b) of a
    cell sees input sub-pixel (i, j) of the cell ``u`` rows and ``v`` columns away through the tap (factor*u + i - a,
    factor*v + j - b) from the kernel's centre: for each (a, b), the kernel shifted by (a, b) and padded with zeros,
    cut into cells by ``pixel_unshuffle``. The image's zero padding maps to zero padding of whole cells. A k x k
    kernel becomes 2 * ceil((k // 2) / factor) + 1 taps square, with factor**2 times the channels in and out."""
    size = weight.shape[-1]
    reach = -(-(size // 2) // factor)  # whole cells the kernel touches on each side
    span = (2 * reach + 1) * factor  # the taps those cells hold
    before = factor - 1 + factor * reach - size // 2  # zeros before the kernel, so that every shifted window fits
    padded = F.pad(weight, (before, span + factor - 1 - before - size) * 2)
    window = [slice(factor - 1 - shift, factor - 1 - shift + span) for shift in range(factor)]
    phases = [F.pixel_unshuffle(padded[..., window[a], window[b]], factor)
              for a in range(factor) for b in range(factor)]
    folded = torch.stack(phases, 1).flatten(0, 1)  # output channel o * factor**2 + sub-pixel, as PixelShuffle orders
    return folded, bias.repeat_interleave(factor ** 2), reach


class SRDiscriminator(nn.Module):
    """The paper's discriminator, size-agnostic: one real/fake logit per image."""

    def __init__(self, config: SRGANConfig):
        super().__init__()
        self.config = config
        w = config.disc_width
        layers: list[nn.Module] = [nn.Conv2d(config.channels, w, 3, padding=1), nn.LeakyReLU(0.2, True)]
        widths = [w, w, 2 * w, 2 * w, 4 * w, 4 * w, 8 * w, 8 * w]
        for index in range(1, len(widths)):  # strides 2, 1, 2, 1, 2, 1, 2
            stride = 2 if index % 2 else 1
            layers += [nn.Conv2d(widths[index - 1], widths[index], 3, stride, 1, bias=False),
                       nn.BatchNorm2d(widths[index]), nn.LeakyReLU(0.2, True)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(8 * w, 16 * w, 1),
                                        nn.LeakyReLU(0.2, True), nn.Conv2d(16 * w, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) in [-1, 1] -> (N,) logits."""
        return self.classifier(self.features(images)).flatten()


def objective(options: dict) -> str:
    """What trained it: the content loss alone (the PSNR model), or content + adversarial, and any interpolation."""
    content = {"l1": "L1 pixel loss", "vgg19": "VGG19 feature loss (relu5_4, torchvision's ImageNet weights)"}
    text = content.get(options.get("content", "l1"), options.get("content", "l1"))
    if options.get("teacher"):
        text += (f" to the output of the teacher model {options['teacher']} (knowledge distillation: the truth is "
                 "not in the loss)")
        if options.get("freeze_trunk"):
            text += f", only the upsampler trained (the trunk frozen as {options.get('init_from')} left it)"
    weight = options.get("adversarial_weight", 0.0)
    if weight:
        text = f"{text} + adversarial loss × {weight:g} (Ledig et al. 2017)"
        if options.get("init_from"):
            text += f", starting from the PSNR model {options['init_from']}"
    elif not options.get("teacher"):
        text += " alone (the PSNR-oriented SRResNet; no discriminator trained)"
    interpolation = options.get("interpolation")
    if interpolation:
        text += (f"; weights interpolated {1 - interpolation['alpha']:g} × {interpolation['psnr']} + "
                 f"{interpolation['alpha']:g} × {interpolation['gan']} (ESRGAN's network interpolation)")
    return text


SPEC = register(KindSpec(
    name="srgan", title="SRGAN (SRResNet generator)", config_class=SRGANConfig, generator_class=SRResNet,
    discriminator_class=SRDiscriminator, wrapper=SuperResolver, view="superres", task="train.tasks.srgan:SRGANTask",
    pipeline_tag="image-to-image",
    usage=lambda payload: ('from PIL import Image\n'
                           'photo = Image.new("RGB", (160, 120), "grey")  # any photo, any size and mode\n'
                           f'large = model.upscale(photo)  # {payload["model"]["scale"]}x the width and height'),
    objective=objective))
