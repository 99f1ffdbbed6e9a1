"""StyleGAN (Karras et al. 2019), in its StyleGAN2 form (2020), small enough to train on a CPU at 64 px.

A mapping network turns z into a style vector w; synthesis starts from a learned 4x4 constant and every 3x3
convolution is *modulated* by its own copy of w (scaled per input channel by an affine map of w, then
*demodulated* so each output channel has unit variance), with per-pixel noise and an RGB output added up across
resolutions (the "skip" generator). Because each layer reads its own w, two seeds can be mixed: seed B's styles
on layers start..stop-1, seed A's on the others — coarse layers set pose and shape, fine layers colour and texture.
Truncation pulls w towards the average w (tracked during training) to trade variety for typical images.

Weights are stored at unit scale and multiplied by He's constant at run time ("equalised learning rate"), as the
papers do, so Adam's step size means the same for every layer; the mapping network learns 100x slower.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..generate import MAX_BATCH, ImageGenerator, check_seed, check_truncation, latents_for_seed, random_seed
from ..images import to_pil_images
from ..registry import KindSpec, register

ACTIVATION_GAIN = math.sqrt(2)  # keeps unit variance through a leaky ReLU (the papers' gain)
W_AVERAGE_DECAY = 0.995  # of the running average of w that truncation pulls towards


@dataclass
class StyleGANConfig:
    latent_dim: int = 128  # length of z (and of w)
    mapping_layers: int = 4  # fully connected layers z -> w
    channels: int = 3
    image_size: int = 64  # a power of two from 8 to 256
    base_width: int = 32  # channels at full resolution; doubled per halving, up to max_width
    max_width: int = 256

    def __post_init__(self):
        if self.image_size < 8 or self.image_size > 256 or self.image_size & (self.image_size - 1):
            raise ValueError(f"image_size must be a power of two from 8 to 256, got {self.image_size}")
        if self.channels not in (1, 3) or self.mapping_layers < 1 or self.base_width < 1:
            raise ValueError("channels must be 1 or 3; mapping_layers and base_width at least 1")

    @property
    def resolutions(self) -> list[int]:
        """4, 8, ..., image_size."""
        return [2 ** i for i in range(2, int(math.log2(self.image_size)) + 1)]

    def width(self, resolution: int) -> int:
        return min(self.max_width, self.base_width * self.image_size // resolution)

    @property
    def num_layers(self) -> int:
        """Style inputs of the synthesis network: one convolution at 4 px, two at each larger resolution."""
        return 2 * len(self.resolutions) - 1


class EqualLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0, lr_multiplier: float = 1.0,
                 activate: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lr_multiplier))
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.lr_multiplier, self.activate = lr_multiplier, activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.weight_gain, self.bias * self.lr_multiplier)
        return F.leaky_relu(x, 0.2) * ACTIVATION_GAIN if self.activate else x


class EqualConv2d(nn.Module):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True,
                 activate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.activate = activate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.weight.shape[-1] // 2)
        return F.leaky_relu(x, 0.2) * ACTIVATION_GAIN if self.activate else x


class ModulatedConv2d(nn.Module):
    """A convolution whose input channels are scaled by a style (an affine map of w). With ``demodulate`` each
    output channel is then divided by its expected standard deviation, which replaces StyleGAN1's instance norm
    without its droplet artefacts. Computed as scale-inputs / plain conv / scale-outputs, which equals the
    per-sample weights of the paper and runs as one ordinary convolution for the whole batch."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, style_dim: int, demodulate: bool = True):
        super().__init__()
        self.affine = EqualLinear(style_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.demodulate = demodulate

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)
        weight = self.weight * self.weight_gain
        x = F.conv2d(x * styles[:, :, None, None], weight, padding=weight.shape[-1] // 2)
        if self.demodulate:
            energy = styles.square() @ weight.square().sum((2, 3)).transpose(0, 1)  # (N, out)
            x = x * torch.rsqrt(energy + 1e-8)[:, :, None, None]
        return x


class StyledLayer(nn.Module):
    """Modulated 3x3 convolution (after a 2x bilinear upsampling, free of checkerboards), per-pixel noise of a
    learned strength, bias, leaky ReLU. ``noise`` is random while training and a fixed buffer otherwise, so a seed
    always gives the same image."""

    def __init__(self, in_channels: int, out_channels: int, style_dim: int, resolution: int, upsample: bool):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, out_channels, 3, style_dim)
        self.upsample = upsample
        self.noise_strength = nn.Parameter(torch.zeros(()))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.register_buffer("fixed_noise", torch.randn(1, 1, resolution, resolution))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        x = self.conv(x, w)
        noise = torch.randn_like(x[:, :1]) if self.training else self.fixed_noise.to(x.dtype)
        x = x + noise * self.noise_strength + self.bias[None, :, None, None]
        return F.leaky_relu(x, 0.2) * ACTIVATION_GAIN


class ToRGB(nn.Module):
    def __init__(self, in_channels: int, channels: int, style_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(in_channels, channels, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return self.conv(x, w) + self.bias[None, :, None, None]


class MappingNetwork(nn.Module):
    def __init__(self, config: StyleGANConfig):
        super().__init__()
        self.layers = nn.Sequential(*[EqualLinear(config.latent_dim, config.latent_dim, lr_multiplier=0.01,
                                                  activate=True) for _ in range(config.mapping_layers)])
        self.register_buffer("w_average", torch.zeros(config.latent_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = z * torch.rsqrt(z.square().mean(1, keepdim=True) + 1e-8)  # z on the sphere: its length carries nothing
        w = self.layers(z)
        if self.training:
            self.w_average.lerp_(w.detach().float().mean(0).to(self.w_average.dtype), 1 - W_AVERAGE_DECAY)
        return w


class SynthesisNetwork(nn.Module):
    def __init__(self, config: StyleGANConfig):
        super().__init__()
        first = config.width(4)
        self.constant = nn.Parameter(torch.randn(1, first, 4, 4))
        self.layers = nn.ModuleList([StyledLayer(first, first, config.latent_dim, 4, upsample=False)])
        self.to_rgb = nn.ModuleList([ToRGB(first, config.channels, config.latent_dim)])
        for resolution in config.resolutions[1:]:
            previous, width = config.width(resolution // 2), config.width(resolution)
            self.layers.append(StyledLayer(previous, width, config.latent_dim, resolution, upsample=True))
            self.layers.append(StyledLayer(width, width, config.latent_dim, resolution, upsample=False))
            self.to_rgb.append(ToRGB(width, config.channels, config.latent_dim))

    def forward(self, ws: torch.Tensor) -> torch.Tensor:
        """ws (N, num_layers, latent_dim) -> images (N, C, S, S), not yet squashed into [-1, 1]. Each resolution's
        RGB output reads the style of that resolution's last convolution."""
        x = self.constant.expand(ws.shape[0], -1, -1, -1)
        x = self.layers[0](x, ws[:, 0])
        rgb = self.to_rgb[0](x, ws[:, 0])
        for index, to_rgb in enumerate(self.to_rgb[1:]):
            first = 1 + 2 * index
            x = self.layers[first](x, ws[:, first])
            x = self.layers[first + 1](x, ws[:, first + 1])
            rgb = F.interpolate(rgb, scale_factor=2, mode="bilinear", align_corners=False) + to_rgb(x, ws[:, first + 1])
        return rgb


class StyleGANGenerator(nn.Module):
    def __init__(self, config: StyleGANConfig):
        super().__init__()
        self.config = config
        self.mapping = MappingNetwork(config)
        self.synthesis = SynthesisNetwork(config)

    def styles(self, z: torch.Tensor, truncation: float = 1.0) -> torch.Tensor:
        """z (N, latent_dim) -> w (N, latent_dim), pulled towards the average w by ``truncation`` < 1."""
        w = self.mapping(z)
        return w if truncation == 1 else torch.lerp(self.mapping.w_average.to(w.dtype), w, truncation)

    def first_block(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """w of z: what ``train directions`` takes principal components of, so a StyleGAN's directions are
        GANSpace's directions in w (Härkönen et al. 2020), mapped back to z."""
        return self.mapping(z)

    def synthesize(self, ws: torch.Tensor) -> torch.Tensor:
        """Per-layer styles (N, num_layers, latent_dim) -> images, about [-1, 1] (not clamped: training's losses
        see an overshoot; the inference wrapper clamps)."""
        return self.synthesis(ws)

    def forward(self, z: torch.Tensor, mixing: tuple[torch.Tensor, int] | None = None) -> torch.Tensor:
        """z (N, latent_dim) -> images (N, C, S, S), about [-1, 1]; ``mixing`` (z2, crossover): layers from
        crossover on take z2's styles (the style-mixing regularisation of training)."""
        ws = self.styles(z)[:, None].repeat(1, self.config.num_layers, 1)
        if mixing is not None:
            other, crossover = mixing
            ws[:, crossover:] = self.styles(other)[:, None]
        return self.synthesize(ws)


class MinibatchStd(nn.Module):
    """Appends the standard deviation of features across small groups of the batch as one more channel, so D can
    see a batch lacking variety (StyleGAN's answer to mode collapse, from Karras et al. 2018)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        group = next(g for g in (4, 3, 2, 1) if n % g == 0)
        grouped = x.float().reshape(group, -1, c, h, w)
        spread = (grouped.var(0, unbiased=False) + 1e-8).sqrt().mean((1, 2, 3))  # (n / group,)
        spread = spread.to(x.dtype).repeat(group)[:, None, None, None].expand(n, 1, h, w)
        return torch.cat([x, spread], 1)


class DiscriminatorBlock(nn.Module):
    """Two 3x3 convolutions then 2x average pooling, with a pooled 1x1 shortcut (StyleGAN2's residual D)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        self.conv1 = EqualConv2d(in_channels, in_channels, 3)
        self.conv2 = EqualConv2d(in_channels, out_channels, 3)
        self.skip = EqualConv2d(in_channels, out_channels, 1, bias=False, activate=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = self.skip(F.avg_pool2d(x, 2))
        x = F.avg_pool2d(self.conv2(self.conv1(x)), 2)
        return (x + shortcut) / math.sqrt(2)


class StyleGANDiscriminator(nn.Module):
    """Returns one logit per image."""

    def __init__(self, config: StyleGANConfig):
        super().__init__()
        self.config = config
        self.from_rgb = EqualConv2d(config.channels, config.width(config.image_size), 1)
        self.blocks = nn.Sequential(*[DiscriminatorBlock(config.width(r), config.width(r // 2))
                                      for r in reversed(config.resolutions[1:])])
        last = config.width(4)
        self.minibatch_std = MinibatchStd()
        self.conv = EqualConv2d(last + 1, last, 3)
        self.fc = EqualLinear(last * 16, last, activate=True)
        self.out = EqualLinear(last, 1)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.conv(self.minibatch_std(self.blocks(self.from_rgb(images))))
        return self.out(self.fc(x.flatten(1))).reshape(-1)


class StyleImageGenerator(ImageGenerator):
    """A StyleGAN: ``generate(n, seed=..., truncation=psi)`` (truncation in w) and ``mix(seed_a, seed_b,
    layers=(start, stop))``; ``num_layers`` style inputs, coarse to fine."""

    def __init__(self, name: str, payload: dict, module: nn.Module, folder):
        super().__init__(name, payload, module, folder)
        self.num_layers: int = self.config.num_layers

    def __repr__(self) -> str:
        return f"StyleImageGenerator({self.name!r}, {self.image_size}px, {self.num_layers} style layers)"

    def layer_resolution(self, layer: int) -> int:
        """The resolution style layer ``layer`` draws at: 4 for layer 0, then two layers per doubling."""
        return self.config.resolutions[(layer + 1) // 2]

    def sample_z(self, n: int = 1, seed: int | None = None, truncation: float = 1.0) -> torch.Tensor:
        """z of the seed, untouched: a StyleGAN truncates in w, not z."""
        check_truncation(truncation)
        return latents_for_seed(random_seed() if seed is None else seed, n, self.latent_dim)

    def check_z(self, z) -> torch.Tensor:
        z = torch.as_tensor(z, dtype=torch.float32)
        if z.dim() != 2 or z.shape[1] != self.latent_dim or not torch.isfinite(z).all():
            raise ValueError(f"z must be finite, of shape (N, {self.latent_dim})")
        return z.to(self.device)

    @torch.inference_mode()
    def styles_of(self, z, truncation: float = 1.0) -> torch.Tensor:
        return self.module.styles(self.check_z(z), check_truncation(truncation))

    @torch.inference_mode()
    def generate_tensor(self, z: torch.Tensor, labels: torch.Tensor | None = None,
                        truncation: float = 1.0) -> torch.Tensor:
        """(N, latent_dim) -> (N, C, S, S) in [-1, 1]: every layer styled by the same w."""
        if labels is not None:
            raise ValueError(f"{self.name} is not conditional: it takes no labels")
        w = self.styles_of(z, truncation)
        return self.module.synthesize(w[:, None].expand(-1, self.num_layers, -1)).clamp(-1, 1)

    def generate(self, n: int = 1, seed: int | None = None, labels=None, truncation: float = 1.0,
                 z: torch.Tensor | None = None) -> list:
        """n images; the same seed (or z) and truncation always give the same images."""
        if z is None:
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_BATCH:
                raise ValueError(f"n must be between 1 and {MAX_BATCH}, got {n!r}")
            z = self.sample_z(n, seed)
        return to_pil_images(self.generate_tensor(self.check_z(z).reshape(-1, self.latent_dim), labels, truncation))

    def check_layers(self, layers) -> tuple[int, int]:
        if not isinstance(layers, (tuple, list)) or len(layers) != 2:
            raise ValueError(f"layers must be (start, stop), got {layers!r}")
        start, stop = (int(v) if isinstance(v, (int, float)) and float(v).is_integer() else -1 for v in layers)
        if not 0 <= start <= stop <= self.num_layers:
            raise ValueError(f"layers must be (start, stop) with 0 <= start <= stop <= {self.num_layers}, "
                             f"got {tuple(layers)}")
        return start, stop

    @torch.inference_mode()
    def mix_tensor(self, seeds_a: list[int], seeds_b: list[int], layers: tuple[int, int],
                   truncation: float = 1.0) -> torch.Tensor:
        """Image i takes seeds_b[i]'s styles on layers start..stop-1 and seeds_a[i]'s on the others: a whole
        mixing grid (the paper's figure 3) in one batch."""
        if not 1 <= len(seeds_a) == len(seeds_b) <= MAX_BATCH:
            raise ValueError(f"give 1 to {MAX_BATCH} pairs of seeds, got {len(seeds_a)} and {len(seeds_b)}")
        start, stop = self.check_layers(layers)
        z_a = torch.cat([latents_for_seed(check_seed(s), 1, self.latent_dim) for s in seeds_a])
        z_b = torch.cat([latents_for_seed(check_seed(s), 1, self.latent_dim) for s in seeds_b])
        ws = self.styles_of(z_a, truncation)[:, None].repeat(1, self.num_layers, 1)
        ws[:, start:stop] = self.styles_of(z_b, truncation)[:, None]
        return self.module.synthesize(ws).clamp(-1, 1)

    def mix(self, seed_a: int, seed_b: int, layers: tuple[int, int] = (0, 4), truncation: float = 1.0):
        """One image: seed_b's styles on layers start..stop-1, seed_a's elsewhere. (0, 0) is seed_a's image,
        (0, num_layers) seed_b's."""
        return to_pil_images(self.mix_tensor([seed_a], [seed_b], layers, truncation))[0]

    def warm_up(self) -> None:
        self.generate(1, seed=0)


def objective(options: dict) -> str:
    return (f"non-saturating logistic loss, lazy R1 penalty (γ = {options.get('r1_gamma', 0):g} every "
            f"{options.get('r1_every', 16)} steps), style mixing with probability {options.get('style_mixing', 0):g}, "
            f"DiffAugment ({options.get('augment', 'none')}) on everything D sees (Karras et al. 2020; Zhao et al. 2020)")


SPEC = register(KindSpec(
    name="stylegan", title="StyleGAN2", config_class=StyleGANConfig, generator_class=StyleGANGenerator,
    discriminator_class=StyleGANDiscriminator, wrapper=StyleImageGenerator, view="style",
    task="train.tasks.stylegan:StyleGANTask", pipeline_tag="unconditional-image-generation",
    usage=lambda payload: ("images = model.generate(n=4, seed=0, truncation=0.7)\n"
                           "mixed = model.mix(seed_a=1, seed_b=2, layers=(0, 4))  # seed 2's coarse styles"),
    objective=objective))
