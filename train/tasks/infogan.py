"""InfoGAN (Chen et al. 2016) on top of the image GAN task: the generator also takes a categorical and continuous
codes, and Q (a head on D's body) learns to read them back from the image.

Phases: "D" (real vs. fake, plus Q's loss on the fakes, which trains Q and the shared body) then "G" with D
frozen (fool D, plus the same information loss, which teaches G to make its codes readable). The information
loss is the cross-entropy of the category plus --continuous-weight times the negative log-likelihood of the
continuous codes under unit-variance Gaussians (the paper's lambda: 1 for discrete codes, smaller for continuous
ones, so their term stays on the GAN objective's scale), all times --info-weight.

--category-gain scales the one-hot category at G's input, and --z-weight W gives Q a third head that reads z
back, adding W times its mean squared error to the information loss: a loud category claims the digit, and reading
z back keeps G from leaving z unused. Unsupervised, as in the paper, the categories on the 5,000 MNIST digits
stayed about 0.7 pure over 16 seeds; the shipped mnist-infogan (0.87) is the preset with --category-gain 3, then
--z-weight 10, then also --continuous-weight 5 (its card; InfoGANGenerator's docstring has what else was tried).

With --guide-labels N the category is guided by a few labelled real images (semi-supervised InfoGAN, Spurr et al.
2017): N images per class, picked by --seed, and in every D phase Q also reads the category of 32 of them, with
cross-entropy against their class times --guide-weight, so category k settles on class k.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from gan_demo.kinds.infogan import SPEC as INFOGAN

from ..augment import diff_augment, parse_policy
from ..errors import UsageError
from .base import to_unit_range
from .image_gan import ImageGANTask


class InfoGANTask(ImageGANTask):
    kind = INFOGAN.name
    help = "train an InfoGAN (images from z plus codes it learns to make meaningful)"
    # translation helps here: without augmentation the MNIST categories' purity fell from 0.65 to 0.51 (seed 0), and on
    # all 60,000 digits from 0.73 to 0.42 (seed 4, 4,000 steps): the categories turned into styles
    greyscale_augment = "translation,cutout"

    guide_batch = 32  # labelled images Q reads per D phase
    fresh_heads = ("z_head.",)  # --z-weight can continue a model whose Q never read z

    def __init__(self, config, generator, discriminator, augment: tuple[str, ...] = (), info_weight: float = 1.0,
                 continuous_weight: float = 0.1, r1_gamma: float = 0.0, r1_every: int = 16,
                 guide: tuple[torch.Tensor, torch.Tensor] | None = None, guide_weight: float = 1.0,
                 z_weight: float = 0.0):
        super().__init__(config, generator, discriminator, augment=augment, r1_gamma=r1_gamma, r1_every=r1_every)
        if z_weight and not config.reads_z:
            raise ValueError("a z weight needs a discriminator that reads z back (config.reads_z)")
        self.info_weight, self.continuous_weight, self.z_weight = info_weight, continuous_weight, z_weight
        self.guide, self.guide_weight = guide, guide_weight  # guide: (images in [-1, 1], their classes)

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--categories", type=int, default=10, help="values of the categorical code")
        parser.add_argument("--continuous-codes", type=int, default=2, help="continuous codes, uniform in [-1, 1]")
        parser.add_argument("--info-weight", type=float, default=1.0, help="weight of the information loss")
        parser.add_argument("--continuous-weight", type=float, default=0.1,
                            help="weight of the continuous codes' term within it (the category's is 1)")
        parser.add_argument("--guide-labels", type=int, default=0, metavar="N",
                            help="labelled real images per class that guide the category, so that category k "
                                 "becomes class k (semi-supervised InfoGAN; 0: unsupervised, as the paper)")
        parser.add_argument("--guide-weight", type=float, default=1.0,
                            help="weight of Q's cross-entropy on the labelled images")
        parser.add_argument("--category-gain", type=float, default=1.0,
                            help="scale of the one-hot category at G's input (louder than z, it claims more)")
        parser.add_argument("--z-weight", type=float, default=0.0,
                            help="weight of Q's mean squared error reading z back (0: Q reads only the codes)")

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        super().validate(args)
        if args.categories < 2 or min(args.continuous_codes, args.info_weight, args.continuous_weight) < 0:
            raise UsageError("--categories must be at least 2; --continuous-codes and the weights at least 0")
        if args.guide_labels < 0 or args.guide_weight < 0:
            raise UsageError("--guide-labels and --guide-weight must be at least 0")
        if not args.category_gain > 0 or args.z_weight < 0:
            raise UsageError("--category-gain must be positive and --z-weight at least 0")

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        options = super().option_overrides(args)
        options["extra"].update(info_weight=args.info_weight, continuous_weight=args.continuous_weight,
                                category_gain=args.category_gain, z_weight=args.z_weight)
        if args.guide_labels:
            options["extra"].update(guide_labels=args.guide_labels, guide_weight=args.guide_weight)
        return options

    @classmethod
    def build(cls, args: argparse.Namespace, data) -> "InfoGANTask":
        fields = cls.config_fields(args, data)
        fields.update(latent_dim=62, categories=args.categories, continuous_codes=args.continuous_codes,
                      category_gain=args.category_gain, reads_z=args.z_weight > 0)
        config = INFOGAN.config_class(**fields)
        return cls(config, INFOGAN.generator_class(config), INFOGAN.discriminator_class(config),
                   augment=parse_policy(args.augment), info_weight=args.info_weight,
                   continuous_weight=args.continuous_weight, guide=cls.guide_images(args, data),
                   guide_weight=args.guide_weight, z_weight=args.z_weight, **cls.regularisation(args))

    def check_continuable(self, config, name: str) -> None:
        if config.category_gain != self.config.category_gain:
            raise UsageError(f"--init-from {name}: trained with --category-gain {config.category_gain:g}, this run has "
                             f"{self.config.category_gain:g}; pass --category-gain {config.category_gain:g}")
        if config.reads_z and not self.config.reads_z:
            raise UsageError(f"--init-from {name}: its Q was trained to read z back; pass --z-weight (its card's "
                             "command gives the weight)")

    @staticmethod
    def guide_images(args: argparse.Namespace, data) -> tuple[torch.Tensor, torch.Tensor] | None:
        """--guide-labels images of each class (the same ones for a seed), or None when unsupervised."""
        if not args.guide_labels:
            return None
        if data.labels is None or len(data.class_names) != args.categories:
            raise UsageError(f"--guide-labels needs labelled data with --categories {args.categories} classes")
        order = torch.randperm(len(data.labels), generator=torch.Generator().manual_seed(args.seed))
        picked = torch.cat([order[data.labels[order] == k][:args.guide_labels] for k in range(args.categories)])
        if len(picked) < args.guide_labels * args.categories:
            raise UsageError(f"--guide-labels {args.guide_labels}: some class has fewer images than that")
        return to_unit_range(data.images[picked]), data.labels[picked]

    def sample_inputs(self, n: int, device):
        z = torch.randn(n, self.config.latent_dim, device=device)
        category = torch.randint(0, self.config.categories, (n,), device=device)
        continuous = torch.rand(n, self.config.continuous_codes, device=device) * 2 - 1
        return z, (category, continuous)

    def generate(self, generator, z, codes):
        return generator(z, *codes)

    def judge(self, images, codes):
        """(real/fake logits, Q's guesses) of the augmented images."""
        return self.networks["D"](diff_augment(images, self.augment), with_codes=True)

    def information_loss(self, guesses, codes, z) -> torch.Tensor:
        category_logits, means, z_guess = guesses
        category, continuous = codes
        loss = F.cross_entropy(category_logits.float(), category)
        if continuous.shape[1]:  # unit-variance Gaussian: the negative log-likelihood up to its constant
            loss = loss + self.continuous_weight * 0.5 * (continuous - means).float().square().sum(1).mean()
        if self.z_weight:
            loss = loss + self.z_weight * (z_guess.float() - z.float()).square().mean()
        return self.info_weight * loss

    def discriminator_loss(self, batch: dict):
        real = batch["real"]
        z, codes = self.sample_inputs(real.shape[0], real.device)
        fake = self.generate(self.generator, z, codes)
        batch["z"], batch["fake"], batch["codes"] = z, fake, codes
        real_logits, _ = self.judge(real, None)
        fake_logits, guesses = self.judge(fake.detach(), codes)
        information = self.information_loss(guesses, codes, z)
        loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean() + information
        stats = {"D(x)": torch.sigmoid(real_logits.detach().float()).mean(),
                 "D(G(z))": torch.sigmoid(fake_logits.detach().float()).mean(), "info": information.detach()}
        if self.guide is not None:
            guided = self.guide_loss(real.device)
            loss = loss + guided
            stats["guide"] = guided.detach()
        return loss, stats

    def guide_loss(self, device) -> torch.Tensor:
        """Q's cross-entropy on a random batch of the labelled images."""
        images, classes = self.guide
        chosen = torch.randint(0, len(classes), (min(self.guide_batch, len(classes)),))
        _, (category_logits, *_) = self.judge(images[chosen].to(device), None)
        return self.guide_weight * F.cross_entropy(category_logits.float(), classes[chosen].to(device))

    def generator_loss(self, batch: dict):
        fake_logits, guesses = self.judge(batch["fake"], batch["codes"])
        return F.softplus(-fake_logits).mean() + self.information_loss(guesses, batch["codes"], batch["z"]), {}

    def fixed_inputs(self, device):
        """The sample grid: one column per category, one row per z, continuous codes at 0."""
        generator = torch.Generator().manual_seed(1234)
        k, width = self.config.categories, self.config.latent_dim
        z = torch.randn(8, 1, width, generator=generator).expand(-1, k, -1).reshape(-1, width)
        category = torch.arange(k).repeat(8)
        continuous = torch.zeros(len(z), self.config.continuous_codes)
        return z.to(device), (category.to(device), continuous.to(device))

    def grid_columns(self) -> int:
        return self.config.categories
