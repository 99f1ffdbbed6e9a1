"""The pix2pix U-Net generator and 70x70 PatchGAN discriminator (Isola et al. 2017).

Attribute names and nesting follow the reference implementation (junyanz/pytorch-CycleGAN-and-pix2pix,
``models/networks.py``): a ``UnetGenerator`` whose ``model`` is the outermost skip block, each block holding
``self.model = nn.Sequential(...)``, so reference ``latest_net_G.pth`` files load with strict keys.
With batch norm the convolutions next to a norm layer have no bias; with (affine-free) instance norm they do.

``output_mode="palette"`` makes the generator a per-pixel classifier over a fixed set of colours (colourisation by
classification, Zhang et al. 2016): the last layer gives one logit per palette colour, and ``forward`` decodes
them to an RGB image by the annealed mean, so an ambiguous shape gets one plausible colour, not the average.
With ``region_fill`` the model commits further at inference: each patch of paper the ink bounds and the model
colours gets the one colour likeliest over the whole patch, so a shape the model hesitates about is not speckled
with two colours (paper it leaves white stays white); the ink itself takes the colour likeliest once the
training's class rebalancing is divided out (``class_weights``), so outlines come out black, not charcoal.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import torch
from torch import nn

from ..foreign import drop_old_norm_keys
from ..registry import KindSpec, register
from ..translate import SketchTranslator

NORMS = ("batch", "instance", "none")
INFERENCE_MODES = ("paper", "eval")
OUTPUT_MODES = ("rgb", "palette")
PAPER = "#FFFFFF"


@dataclass
class Pix2PixConfig:
    input_channels: int = 3
    output_channels: int = 3
    depth: int = 8  # number of 2x downsamplings ("num_downs"); inputs must be multiples of 2**depth
    base_width: int = 64  # ngf: channels after the first convolution
    norm: str = "batch"  # "batch", "instance" or "none"
    dropout: bool = True  # dropout 0.5 in the three innermost non-innermost blocks
    # "paper": dropout on and batch statistics at test time (Isola et al. §3.3, the reference default);
    # "eval": the usual eval mode (running statistics, no dropout)
    inference_mode: str = "paper"
    # average the output (palette mode: the logits) with the mirror image of the mirrored input's: a two-view
    # ensemble at test time
    mirror_average: bool = False
    image_size: int = 256  # the size the model was trained at (inputs are resized to it)
    disc_width: int = 64  # ndf
    disc_layers: int = 3  # 3 gives the 70x70 PatchGAN
    # "rgb": output_channels values through tanh; "palette": a logit per colour of ``palette``, decoded to RGB
    output_mode: str = "rgb"
    palette: list[str] = field(default_factory=list)  # "#RRGGBB" colours of palette mode
    # annealed mean (Zhang et al. 2016): softmax(logits / T) weights the colours; T -> 0 is the mode (argmax)
    temperature: float = 0.38
    # palette mode at inference: each region of paper the ink encloses (and the model colours) gets its likeliest
    # colour summed over the region, instead of the annealed mean per pixel
    region_fill: bool = False
    # palette mode: the weight each colour had in training (``--rebalance``; empty: none recorded). With region
    # fill the ink's own pixels divide them out: rebalancing pushes every pixel towards the rarer colours, which
    # fills an ambiguous shape with a bold colour but paints a drawn line charcoal grey instead of black
    class_weights: list[float] = field(default_factory=list)

    def __post_init__(self):
        if self.depth < 5:
            raise ValueError(f"depth must be at least 5 (the reference U-Net's fixed outer blocks), got {self.depth}")
        if self.norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {self.norm!r}")
        if self.inference_mode not in INFERENCE_MODES:
            raise ValueError(f"inference_mode must be one of {INFERENCE_MODES}, got {self.inference_mode!r}")
        if self.output_mode not in OUTPUT_MODES:
            raise ValueError(f"output_mode must be one of {OUTPUT_MODES}, got {self.output_mode!r}")
        if self.output_mode == "palette" and (len(self.palette) < 2 or self.output_channels != 3):
            raise ValueError("palette mode needs at least two palette colours and 3 output channels")
        if self.temperature < 0:
            raise ValueError(f"temperature must be at least 0, got {self.temperature}")
        if self.region_fill and (self.output_mode != "palette" or PAPER not in [c.upper() for c in self.palette]):
            raise ValueError(f"region_fill needs palette mode with white paper ({PAPER}) in the palette: it chooses "
                             f"among the palette's colours and leaves doubtful regions paper")
        if self.class_weights and (len(self.class_weights) != len(self.palette) or min(self.class_weights) <= 0):
            raise ValueError(f"class_weights needs one positive weight per palette colour ({len(self.palette)}), "
                             f"got {len(self.class_weights)}")

    @property
    def final_channels(self) -> int:
        """Channels of the U-Net's last layer: a logit per palette colour, or the output image's channels."""
        return len(self.palette) if self.output_mode == "palette" else self.output_channels


def palette_tensor(colours: list[str]) -> torch.Tensor:
    """"#RRGGBB" strings -> (K, 3) float colours in [-1, 1], the generator's output range."""
    rgb = [[int(colour[i:i + 2], 16) for i in (1, 3, 5)] for colour in colours]
    return torch.tensor(rgb, dtype=torch.float32) / 127.5 - 1


def norm_layer_for(norm: str):
    if norm == "batch":
        return functools.partial(nn.BatchNorm2d, affine=True, track_running_stats=True)
    if norm == "instance":
        return functools.partial(nn.InstanceNorm2d, affine=False, track_running_stats=False)
    return lambda channels: nn.Identity()


class UnetSkipConnectionBlock(nn.Module):
    """Downsample, run the inner block, upsample, and concatenate the input (except outermost)."""

    def __init__(self, outer_nc, inner_nc, input_nc=None, submodule=None,
                 outermost=False, innermost=False, norm="batch", use_dropout=False, tanh=True):
        super().__init__()
        self.outermost = outermost
        norm_layer = norm_layer_for(norm)
        use_bias = norm != "batch"
        input_nc = outer_nc if input_nc is None else input_nc
        downconv = nn.Conv2d(input_nc, inner_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
        downrelu, uprelu = nn.LeakyReLU(0.2, True), nn.ReLU(True)
        if outermost:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1)
            layers = [downconv, submodule, uprelu, upconv] + ([nn.Tanh()] if tanh else [])
        elif innermost:
            upconv = nn.ConvTranspose2d(inner_nc, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            layers = [downrelu, downconv, uprelu, upconv, norm_layer(outer_nc)]
        else:
            upconv = nn.ConvTranspose2d(inner_nc * 2, outer_nc, kernel_size=4, stride=2, padding=1, bias=use_bias)
            layers = [downrelu, downconv, norm_layer(inner_nc), submodule, uprelu, upconv, norm_layer(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        self.config = config
        ngf, norm = config.base_width, config.norm
        block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, innermost=True, norm=norm)
        for _ in range(config.depth - 5):
            block = UnetSkipConnectionBlock(ngf * 8, ngf * 8, submodule=block, norm=norm, use_dropout=config.dropout)
        block = UnetSkipConnectionBlock(ngf * 4, ngf * 8, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf * 2, ngf * 4, submodule=block, norm=norm)
        block = UnetSkipConnectionBlock(ngf, ngf * 2, submodule=block, norm=norm)
        palette_mode = config.output_mode == "palette"
        self.model = UnetSkipConnectionBlock(config.final_channels, ngf, input_nc=config.input_channels,
                                             submodule=block, outermost=True, norm=norm, tanh=not palette_mode)
        # not in the weights file: the config holds the palette
        self.register_buffer("colours", palette_tensor(config.palette) if palette_mode else None, persistent=False)
        self.register_buffer("class_weights", torch.tensor(config.class_weights) if config.class_weights else None,
                             persistent=False)
        self.apply(init_pix2pix_weights)

    def logits(self, images: torch.Tensor) -> torch.Tensor:
        """(N, input_channels, H, W) in [-1, 1], H and W multiples of 2**depth -> (N, final_channels, H, W): the
        U-Net's own output: palette logits in palette mode, the image itself in rgb mode."""
        multiple = 2 ** self.config.depth
        if images.shape[-1] % multiple or images.shape[-2] % multiple:
            raise ValueError(f"input size {tuple(images.shape[-2:])} is not a multiple of {multiple}")
        return self.model(images)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """(N, input_channels, H, W) in [-1, 1] -> (N, output_channels, H, W) in [-1, 1]."""
        return self.coloured(self.logits(images), images)

    def coloured(self, raw: torch.Tensor, sketches: torch.Tensor) -> torch.Tensor:
        """``logits``' output for ``sketches`` -> the RGB image: the output itself in rgb mode; in palette mode
        the annealed mean, or with ``region_fill`` each region's likeliest colour (``region_means``) and each ink
        pixel's likeliest with the training's ``class_weights`` undone."""
        if self.colours is None:
            return raw
        if not self.config.region_fill:
            return self.decode(raw)
        paper = [c.upper() for c in self.config.palette].index(PAPER)
        probabilities = torch.softmax(raw.float(), dim=1)
        chosen = region_means(probabilities, sketches, paper)
        if self.class_weights is not None:
            ink = ~paper_of(sketches)[:, None]
            chosen = torch.where(ink, probabilities / self.class_weights[:, None, None], chosen)
        return self.colours.to(raw.dtype)[chosen.argmax(1)].permute(0, 3, 1, 2)

    def decode(self, logits: torch.Tensor) -> torch.Tensor:
        """Palette logits -> RGB in [-1, 1]: the annealed mean at the config's temperature (0: the mode)."""
        colours = self.colours.to(logits.dtype)
        if self.config.temperature == 0:
            return colours[logits.argmax(1)].permute(0, 3, 1, 2)
        weights = torch.softmax(logits.float() / self.config.temperature, dim=1).to(logits.dtype)
        return torch.einsum("nkhw,kc->nchw", weights, colours)


# a region whose mean probability of white paper is at least this stays paper: there the model half-draws
# something the drawing does not show (a grey cloud under a drawn sun), where it fills a drawn shape at >= 0.99
PAPER_DOUBT = 0.1


def paper_of(sketches: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) sketches in [-1, 1] -> (N, H, W): True where the drawing is paper (lighter than mid-grey)."""
    return sketches.mean(dim=1) > 0


def region_means(probabilities: torch.Tensor, sketches: torch.Tensor, white: int) -> torch.Tensor:
    """(N, K, H, W) colour probabilities with each pixel's replaced by their mean over its region: the
    4-connected pixels of paper (lighter than mid-grey in ``sketches``) whose likeliest colour is not ``white``;
    a region at least PAPER_DOUBT likely white becomes white. Ink, and paper the model leaves white, keep their
    own."""
    from scipy import ndimage  # 0.2 s to import: paid by the first region fill, not by every kind's start-up

    regions = (paper_of(sketches) & (probabilities.argmax(dim=1) != white)).cpu().numpy()
    pooled = probabilities.clone()
    for i, mask in enumerate(regions):
        labels, count = ndimage.label(mask)
        if not count:
            continue
        labels = torch.from_numpy(labels).to(probabilities.device).flatten()
        flat = probabilities[i].flatten(1)
        sums = flat.new_zeros(len(flat), count + 1).index_add_(1, labels, flat)
        means = sums / torch.bincount(labels, minlength=count + 1)
        doubted = means[white] >= PAPER_DOUBT
        means[:, doubted] = 0
        means[white, doubted] = 1
        pooled[i] = torch.where(labels > 0, means[:, labels], flat).view_as(probabilities[i])
    return pooled


class PatchDiscriminator(nn.Module):
    """The reference ``NLayerDiscriminator``: a logit per overlapping patch of the (input, output) pair."""

    def __init__(self, config: Pix2PixConfig):
        super().__init__()
        self.config = config
        self.model = nn.Sequential(*patch_layers(config.input_channels + config.output_channels, config.disc_width,
                                                 config.disc_layers, config.norm))
        self.apply(init_pix2pix_weights)

    def forward(self, condition: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
        return self.model(torch.cat([condition, image], 1))


def patch_layers(in_channels: int, ndf: int, n_layers: int, norm: str) -> list[nn.Module]:
    """The reference ``NLayerDiscriminator`` stack; 3 layers see 70x70 patches."""
    norm_layer, use_bias = norm_layer_for(norm), norm != "batch"
    layers: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
    multiplier = 1
    for n in range(1, n_layers + 1):
        previous, multiplier = multiplier, min(2 ** n, 8)
        stride = 2 if n < n_layers else 1
        layers += [
            nn.Conv2d(ndf * previous, ndf * multiplier, 4, stride, 1, bias=use_bias),
            norm_layer(ndf * multiplier),
            nn.LeakyReLU(0.2, True),
        ]
    layers.append(nn.Conv2d(ndf * multiplier, 1, 4, 1, 1))
    return layers


def init_pix2pix_weights(module: nn.Module) -> None:
    """The reference "normal" initialisation with gain 0.02."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def from_foreign(state: dict[str, torch.Tensor], source) -> tuple[Pix2PixConfig, dict] | None:
    """The reference ``UnetGenerator`` (``model.model.0.weight`` ...): depth from the nesting, width, channels and
    norm from the tensors. Published generators were trained at 256 px in the paper's inference mode."""
    if "model.model.0.weight" not in state:
        return None
    prefix, depth = "model.model.", 1
    while any(k.startswith(f"{prefix}{1 if depth == 1 else 3}.model.") for k in state):
        prefix = f"{prefix}{1 if depth == 1 else 3}.model."
        depth += 1
    first = state["model.model.0.weight"]  # (ngf, input_nc, 4, 4)
    output_nc = state["model.model.3.weight"].shape[1]  # outermost ConvTranspose2d (2 ngf, output_nc, 4, 4)
    # affine batch norm leaves 1-D scales; old instance-norm files may carry running stats but never scales
    batch_norm = any(k.endswith(".weight") and v.dim() == 1 for k, v in state.items())
    config = Pix2PixConfig(input_channels=first.shape[1], output_channels=output_nc, depth=depth,
                           base_width=first.shape[0], norm="batch" if batch_norm else "instance", dropout=True,
                           inference_mode="paper", image_size=256)
    return config, drop_old_norm_keys(state, batch_norm)


def objective(options: dict) -> str:
    """What trained it: the paper's PatchGAN + reconstruction, or reconstruction alone (``--gan-weight 0``); in
    palette mode the reconstruction is a per-pixel cross-entropy over the palette."""
    weight = options.get("l1_weight", 100.0)
    if options.get("output_mode") == "palette":
        reconstruction = (f"per-pixel cross-entropy over the colour palette (Zhang et al. 2016; classes rebalanced "
                          f"by {options.get('rebalance', 0.5):g}) × {weight:g}")
    else:
        reconstruction = f"{options.get('reconstruction', 'l1').upper()} × {weight:g}"
    gan_weight = options.get("gan_weight", 1.0)
    if not gan_weight:
        return f"{reconstruction} alone (no adversarial term, no discriminator trained)"
    return f"PatchGAN adversarial loss × {gan_weight:g} + {reconstruction} (Isola et al. 2017)"


SPEC = register(KindSpec(
    name="pix2pix", title="pix2pix U-Net", config_class=Pix2PixConfig, generator_class=UnetGenerator,
    discriminator_class=PatchDiscriminator, wrapper=SketchTranslator, view="sketch",
    task="train.tasks.pix2pix:Pix2PixTask", pipeline_tag="image-to-image",
    usage=lambda payload: ('from PIL import Image, ImageDraw\n'
                           'sketch = Image.new("RGB", (256, 256), "white")  # black lines on white, any size\n'
                           'ImageDraw.Draw(sketch).ellipse((40, 40, 216, 216), outline="black", width=6)\n'
                           'colour = model.translate(sketch)'),
    from_foreign=from_foreign, objective=objective))
