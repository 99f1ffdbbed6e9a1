"""InfoGAN (Chen et al. 2016): a DCGAN whose generator also takes structured codes, one categorical code and a
few continuous ones, and whose discriminator shares its body with a Q head that predicts those codes from the
image. Maximising that prediction (a lower bound on the codes' mutual information with the image) makes each
code control something visible, found without labels: on MNIST the category tends to become the digit, the
continuous codes slant and stroke width.

The same seed gives the same z whatever the codes are, so moving one code shows what that code alone does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from ..generate import ImageGenerator, check_seed, random_seed
from ..images import to_pil_images
from ..registry import KindSpec, register
from .dcgan import DCGANConfig, discriminator_features, generator_layers, init_weights

CODE_RANGE = 2.0  # continuous codes are trained in [-1, 1]; the app lets them go to ±2, as the paper's figure 2


@dataclass
class InfoGANConfig(DCGANConfig):
    latent_dim: int = 62  # incompressible noise z (the paper's MNIST setup)
    categories: int = 10  # values of the categorical code
    continuous_codes: int = 2  # continuous codes, uniform in [-1, 1] during training
    code_names: list[str] = field(default_factory=list)  # what each continuous code was measured to do
    category_gain: float = 1.0  # the one-hot category's scale at G's input (InfoGANGenerator says why)
    reads_z: bool = False  # Q also reads z back (InfoGANDiscriminator); training only, G is the same either way

    def __post_init__(self):
        super().__post_init__()
        if self.categories < 2 or self.continuous_codes < 0:
            raise ValueError("an InfoGAN needs at least 2 categories and 0 or more continuous codes")
        if not self.category_gain > 0:
            raise ValueError(f"category_gain must be positive, got {self.category_gain!r}")
        if not self.code_names:
            self.code_names = [f"code {i + 1}" for i in range(self.continuous_codes)]
        if len(self.code_names) != self.continuous_codes:
            raise ValueError(f"{len(self.code_names)} code names for {self.continuous_codes} continuous codes")


class InfoGANGenerator(nn.Module):
    """DCGAN's generator on z, the one-hot category times ``category_gain`` and the continuous codes, concatenated.

    On MNIST a plain one-hot (gain 1) left the categories about 0.7 pure: z, 62 numbers against one, carried the
    digit as often as the category did. A louder category (gain 3) claims the digit, but G then leaves z all but
    unused (images of one category varied 0.42 as much as real digits of one class); Q reading z back (the
    discriminator's ``reads_z``) then makes z carry pen and shape again without taking the digit back
    (mnist-infogan: purity 0.85 before, 0.87 after, z's spread 0.69 of real).
    Measured and left out (MNIST, 500 to 9,360 steps): a learned N(0, 1) category embedding, or a fully connected
    layer first, as the paper's generator, made each category mostly one digit with z dead; the category as the batch
    norms' gain and bias made it a pen style and z the digit; a mode-seeking term strong enough to revive z undid
    the categories; a minibatch-std D, a slower G or a projection D on Q's category guess did not help."""

    def __init__(self, config: InfoGANConfig):
        super().__init__()
        self.config = config
        inputs = config.latent_dim + config.categories + config.continuous_codes
        self.main = nn.Sequential(*generator_layers(inputs, config))
        self.apply(init_weights)

    def forward(self, z: torch.Tensor, category: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        """z (N, latent_dim), category (N,) int64, continuous (N, continuous_codes) -> (N, C, S, S) in [-1, 1]."""
        one_hot = nn.functional.one_hot(category, self.config.categories).to(z.dtype) * self.config.category_gain
        return self.main(torch.cat([z, one_hot, continuous.to(z.dtype)], dim=1)[:, :, None, None])


class InfoGANDiscriminator(nn.Module):
    """One body, two heads: the real/fake logit, and Q's guess of the codes (category logits, and the mean of a
    unit-variance Gaussian per continuous code). A learned variance was measured to let the continuous codes'
    likelihood swamp the category's: Q read the continuous codes at correlation 0.99 and the category at chance.
    With ``reads_z`` a third head guesses z itself, as ClusterGAN's encoder recovers its noise (Mukherjee et al.
    2019): G can then not leave z unused, which a loud category otherwise lets it do."""

    def __init__(self, config: InfoGANConfig):
        super().__init__()
        self.config = config
        layers, width, start = discriminator_features(config.channels, config)
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(width, 1, start, 1, 0, bias=False)
        self.q_head = nn.Sequential(nn.Flatten(), nn.Linear(width * start * start, 128), nn.LeakyReLU(0.2, True),
                                    nn.Linear(128, config.categories + config.continuous_codes))
        self.z_head = nn.Sequential(nn.Flatten(), nn.Linear(width * start * start, 256), nn.LeakyReLU(0.2, True),
                                    nn.Linear(256, config.latent_dim)) if config.reads_z else None
        self.apply(init_weights)

    def forward(self, images: torch.Tensor, with_codes: bool = False):
        """One logit per image; with_codes: also (category logits, continuous means, z guess or None)."""
        features = self.features(images)
        logits = self.head(features).reshape(-1)
        if not with_codes:
            return logits
        q = self.q_head(features)
        z_guess = self.z_head(features) if self.z_head is not None else None
        return logits, (q[:, :self.config.categories], q[:, self.config.categories:], z_guess)


class CodedImageGenerator(ImageGenerator):
    """An InfoGAN: ``generate(n, seed=..., category=k, continuous=[c1, c2])``."""

    def __init__(self, name: str, payload: dict, module: nn.Module, folder):
        super().__init__(name, payload, module, folder)
        self.categories: int = self.config.categories
        self.continuous_codes: list[str] = list(self.config.code_names)

    def __repr__(self) -> str:
        return f"CodedImageGenerator({self.name!r}, {self.categories} categories, codes {self.continuous_codes})"

    def codes(self, n: int, seed: int, category=None, continuous=None) -> tuple[torch.Tensor, torch.Tensor]:
        """The codes of n images: those given, else drawn as in training from a stream of their own (so z, drawn
        from the seed as for every generator, never depends on them)."""
        draws = torch.Generator().manual_seed(check_seed(seed) ^ 0x5EED)
        picked = torch.randint(0, self.categories, (n,), generator=draws)
        uniform = torch.rand(n, len(self.continuous_codes), generator=draws) * 2 - 1
        if category is not None:
            picked = torch.full((n,), self.category_index(category), dtype=torch.long)
        if continuous is not None:
            values = torch.as_tensor([float(v) for v in continuous], dtype=torch.float32)
            if values.shape != (len(self.continuous_codes),) or not torch.isfinite(values).all():
                raise ValueError(f"continuous must be {len(self.continuous_codes)} finite numbers")
            if values.abs().max() > 2 * CODE_RANGE:
                raise ValueError(f"continuous codes range from {-2 * CODE_RANGE:g} to {2 * CODE_RANGE:g}")
            uniform = values.expand(n, -1).clone()
        return picked, uniform

    def category_index(self, category) -> int:
        if isinstance(category, str) and category.strip().isdigit():
            category = int(category)
        if isinstance(category, bool) or not isinstance(category, (int, float)) or not float(category).is_integer() \
                or not 0 <= category < self.categories:
            raise ValueError(f"category must be a whole number from 0 to {self.categories - 1}, got {category!r}")
        return int(category)

    @torch.inference_mode()
    def generate_coded(self, z: torch.Tensor, category: torch.Tensor, continuous: torch.Tensor) -> torch.Tensor:
        """(N, latent_dim), (N,), (N, codes) -> (N, C, S, S) in [-1, 1], on the model's device."""
        if z.dim() != 2 or z.shape[1] != self.latent_dim or not torch.isfinite(z).all():
            raise ValueError(f"z must be finite, of shape (N, {self.latent_dim})")
        device = self.device
        return self.module(z.float().to(device), category.to(device), continuous.float().to(device))

    def generate_tensor(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """Images of z with codes drawn as in training (seed 0's stream): what tools that only know z see."""
        category, continuous = self.codes(len(z), 0)
        return self.generate_coded(z, category, continuous)

    def generate(self, n: int = 1, seed: int | None = None, category=None, continuous=None, truncation: float = 1.0,
                 z: torch.Tensor | None = None, labels=None) -> list:
        """n images; the same seed and codes always give the same images."""
        if labels is not None:
            raise ValueError(f"{self.name} takes a category and continuous codes, not labels")
        seed = random_seed() if seed is None else seed
        if z is None:
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 256:
                raise ValueError(f"n must be between 1 and 256, got {n!r}")
            z = self.sample_z(n, seed, truncation)
        else:
            z = torch.as_tensor(z, dtype=torch.float32).reshape(-1, self.latent_dim)
        category, continuous = self.codes(len(z), seed, category, continuous)
        return to_pil_images(self.generate_coded(z, category, continuous))

    def warm_up(self) -> None:
        self.generate(1, seed=0)


SPEC = register(KindSpec(
    name="infogan", title="InfoGAN", config_class=InfoGANConfig, generator_class=InfoGANGenerator,
    discriminator_class=InfoGANDiscriminator, wrapper=CodedImageGenerator, view="coded",
    task="train.tasks.infogan:InfoGANTask", pipeline_tag="unconditional-image-generation",
    usage=lambda payload: "images = model.generate(n=4, seed=0, category=3, continuous=[1.5, 0.0])"))
