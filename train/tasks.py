"""What each GAN kind contributes to the one training loop: how to make a batch and the two losses.

A task owns its generator and discriminator; ``loop.fit`` owns optimisers, precision, EMA, checkpoints.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .augment import diff_augment


def to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] -> float [-1, 1]."""
    return images.float().div_(127.5).sub_(1.0)


class ImageGANTask:
    """DCGAN and conditional GAN: non-saturating logistic loss, DiffAugment on everything D sees."""

    def __init__(self, kind: str, config, generator: nn.Module, discriminator: nn.Module,
                 augment: tuple[str, ...] = ()):
        self.kind, self.config = kind, config
        self.generator, self.discriminator = generator, discriminator
        self.conditional = kind == "cgan"
        self.augment = augment

    def make_batch(self, images: torch.Tensor, labels: torch.Tensor | None) -> dict:
        return {"real": to_unit_range(images), "labels": labels}

    def sample_inputs(self, n: int, device) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, self.config.latent_dim, device=device)
        labels = torch.randint(0, self.config.num_classes, (n,), device=device) if self.conditional else None
        return z, labels

    def generate(self, generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return generator(z, labels) if self.conditional else generator(z)

    def judge(self, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        images = diff_augment(images, self.augment)
        return self.discriminator(images, labels) if self.conditional else self.discriminator(images)

    def discriminator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        real, labels = batch["real"], batch["labels"]
        z, fake_labels = self.sample_inputs(real.shape[0], real.device)
        with torch.no_grad():
            fake = self.generate(self.generator, z, fake_labels)
        real_logits = self.judge(real, labels)
        fake_logits = self.judge(fake, fake_labels)
        loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        stats = {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                 "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean()}
        return loss, stats

    def generator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        z, labels = self.sample_inputs(batch["real"].shape[0], batch["real"].device)
        fake_logits = self.judge(self.generate(self.generator, z, labels), labels)
        return F.softplus(-fake_logits).mean(), {}

    def fixed_inputs(self, device) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The z (and labels) of the per-epoch sample grid: 8 rows; for a cGAN one column per class."""
        generator = torch.Generator().manual_seed(1234)
        if not self.conditional:
            return torch.randn(64, self.config.latent_dim, generator=generator).to(device), None
        classes = self.config.num_classes
        z = torch.randn(8, 1, self.config.latent_dim, generator=generator).expand(-1, classes, -1)
        labels = torch.arange(classes).repeat(8)
        return z.reshape(-1, self.config.latent_dim).to(device), labels.to(device)

    def grid_columns(self) -> int:
        return self.config.num_classes if self.conditional else 8

    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        device = next(generator.parameters()).device
        z, labels = self.fixed_inputs(device)
        return self.generate(generator, z, labels)

    @torch.no_grad()
    def recalibrate_batch_norm(self, generator: nn.Module, batches: int = 20, batch_size: int = 128) -> None:
        """Re-estimate BN running statistics of ``generator`` (the EMA copy, whose weights never ran)."""
        norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms:
            return
        device = next(generator.parameters()).device
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average over the calibration batches
        generator.train()
        for _ in range(batches):
            self.generate(generator, *self.sample_inputs(batch_size, device))
        for norm in norms:
            norm.momentum = 0.1
        generator.eval()
