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

    adversarial = True  # the loop trains D before each G step

    def __init__(self, kind: str, config, generator: nn.Module, discriminator: nn.Module,
                 augment: tuple[str, ...] = (), mode_seeking: float = 0.0, auxiliary_weight: float = 1.0):
        self.kind, self.config = kind, config
        self.generator, self.discriminator = generator, discriminator
        self.conditional = kind == "cgan"
        self.augment = augment
        self.mode_seeking = mode_seeking
        self.auxiliary_weight = auxiliary_weight if getattr(config, "auxiliary_classifier", False) else 0.0

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        labels = data.labels[indices] if data.labels is not None else None
        return {"real": to_unit_range(data.images[indices]), "labels": labels}

    def sample_inputs(self, n: int, device) -> tuple[torch.Tensor, torch.Tensor | None]:
        """z and labels; the second half of the batch repeats the first half's labels (with other z), which the
        mode-seeking term compares."""
        z = torch.randn(n, self.config.latent_dim, device=device)
        if not self.conditional:
            return z, None
        labels = torch.randint(0, self.config.num_classes, ((n + 1) // 2,), device=device)
        return z, torch.cat([labels, labels])[:n]

    def generate(self, generator: nn.Module, z: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        return generator(z, labels) if self.conditional else generator(z)

    def judge(self, images: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(real/fake logits, class logits or None) of the augmented images."""
        images = diff_augment(images, self.augment)
        if not self.conditional:
            return self.discriminator(images), None
        return self.discriminator(images, labels, with_classes=True)

    def class_loss(self, class_logits: torch.Tensor | None, labels: torch.Tensor | None):
        """AC-GAN: D learns the class of real images; G is pushed to make its fakes classified as asked."""
        if class_logits is None or not self.auxiliary_weight:
            return 0.0
        return self.auxiliary_weight * F.cross_entropy(class_logits.float(), labels)

    def prepare(self, data) -> None:
        """Nothing to precompute: the sample grid comes from a fixed z."""

    def discriminator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        """Also leaves the fakes (with their graph) in ``batch`` for the G step, as pytorch/examples does."""
        real, labels = batch["real"], batch["labels"]
        z, fake_labels = self.sample_inputs(real.shape[0], real.device)
        fake = self.generate(self.generator, z, fake_labels)
        batch["z"], batch["fake"], batch["fake_labels"] = z, fake, fake_labels
        real_logits, real_classes = self.judge(real, labels)
        fake_logits, _ = self.judge(fake.detach(), fake_labels)
        loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean() + self.class_loss(real_classes, labels)
        stats = {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                 "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean()}
        return loss, stats

    def generator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        fake_logits, fake_classes = self.judge(batch["fake"], batch["fake_labels"])
        loss = F.softplus(-fake_logits).mean() + self.class_loss(fake_classes, batch["fake_labels"])
        if not self.mode_seeking:
            return loss, {}
        # Mode seeking (Mao et al. 2019): two z of the same label must give images as different as the z are.
        # Without it the measured cGAN learned one image per label and ignored z.
        half = batch["fake"].shape[0] // 2
        fake, z = batch["fake"], batch["z"]
        ratio = (fake[:half] - fake[half:2 * half]).abs().mean() / (z[:half] - z[half:2 * half]).abs().mean()
        return loss + self.mode_seeking / (ratio + 1e-5), {"diversity": ratio.detach()}

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
    def recalibrate_batch_norm(self, generator: nn.Module, batches: int = 8, batch_size: int = 64) -> None:
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


RECONSTRUCTION_LOSSES = {"l1", "l2"}


class Pix2PixTask:
    """Isola et al. 2017: conditional PatchGAN loss + L1 to the target (weight 100), random jitter and mirroring.

    ``gan_weight`` scales the adversarial term; at 0 D is not trained at all and G learns by the reconstruction
    loss alone (the paper's "L1 only" row), which scores best on PSNR at a fraction of the cost.
    ``reconstruction`` "l2" regresses the mean colour instead of the median, which is what PSNR rewards.
    """

    kind = "pix2pix"

    def __init__(self, config, generator: nn.Module, discriminator: nn.Module, l1_weight: float = 100.0,
                 jitter: float = 1.125, gan_weight: float = 1.0, reconstruction: str = "l1"):
        if reconstruction not in RECONSTRUCTION_LOSSES:
            raise ValueError(f"reconstruction loss must be one of {sorted(RECONSTRUCTION_LOSSES)}")
        self.config, self.generator, self.discriminator = config, generator, discriminator
        self.l1_weight, self.jitter, self.gan_weight = l1_weight, jitter, gan_weight
        self.reconstruction = reconstruction
        self.fixed: tuple[torch.Tensor, torch.Tensor] | None = None

    @property
    def adversarial(self) -> bool:
        return self.gan_weight > 0

    def prepare(self, data) -> None:
        """Eight training pairs (first stroke variant) for the per-epoch grid: sketch | output | target."""
        picks = torch.linspace(0, len(data) - 1, 8).long().to(data.targets.device)
        self.fixed = (to_unit_range(data.sketches[picks, 0]), to_unit_range(data.targets[picks]))

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        variant = torch.randint(0, data.sketches.shape[1], (len(indices),), device=indices.device)
        sketches = to_unit_range(data.sketches[indices, variant])
        targets = to_unit_range(data.targets[indices])
        sketches, targets = self.jitter_pair(sketches, targets)
        return {"sketches": sketches, "targets": targets}

    def jitter_pair(self, sketches: torch.Tensor, targets: torch.Tensor):
        """The same random enlargement-and-crop and mirroring for both images of a pair."""
        size = sketches.shape[-1]
        big = round(size * self.jitter)
        pair = torch.cat([sketches, targets], dim=1)
        if big > size:
            pair = F.interpolate(pair, size=(big, big), mode="bilinear", align_corners=False)
            tops = torch.randint(0, big - size + 1, (len(pair),)).tolist()
            lefts = torch.randint(0, big - size + 1, (len(pair),)).tolist()
            pair = torch.stack([p[:, top:top + size, left:left + size] for p, top, left in zip(pair, tops, lefts)])
        flip = torch.rand(len(pair), device=pair.device) < 0.5
        pair = torch.where(flip[:, None, None, None], pair.flip(-1), pair)
        return pair[:, :sketches.shape[1]].contiguous(), pair[:, sketches.shape[1]:].contiguous()

    def translated(self, batch: dict) -> torch.Tensor:
        """G's output for the batch, computed once for the D and the G step."""
        if "fake" not in batch:
            batch["fake"] = self.generator(batch["sketches"])
        return batch["fake"]

    def discriminator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        sketches, targets, fake = batch["sketches"], batch["targets"], self.translated(batch)
        real_logits = self.discriminator(sketches, targets)
        fake_logits = self.discriminator(sketches, fake.detach())
        ones, zeros = torch.ones_like(real_logits), torch.zeros_like(fake_logits)
        loss = 0.5 * (F.binary_cross_entropy_with_logits(real_logits, ones)
                      + F.binary_cross_entropy_with_logits(fake_logits, zeros))
        return loss, {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                      "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean()}

    def generator_loss(self, batch: dict) -> tuple[torch.Tensor, dict]:
        fake, targets = self.translated(batch), batch["targets"]
        l1 = (fake - targets).abs().mean()
        reconstruction = l1 if self.reconstruction == "l1" else (fake - targets).square().mean()
        loss = self.l1_weight * reconstruction
        if self.adversarial:
            fake_logits = self.discriminator(batch["sketches"], fake)
            adversarial = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
            loss = loss + self.gan_weight * adversarial
        return loss, {"L1": l1.detach()}

    def grid_columns(self) -> int:
        return 3

    def sample_grid(self, generator: nn.Module) -> torch.Tensor:
        sketches, targets = self.fixed
        outputs = generator(sketches)
        rows = [torch.stack([s.expand(3, -1, -1), o, t]) for s, o, t in zip(sketches, outputs.float(), targets)]
        return torch.cat(rows)

