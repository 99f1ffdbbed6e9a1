"""CycleGAN training, as the reference does it (Zhu et al. 2017, and junyanz/pytorch-CycleGAN-and-pix2pix's
``cycle_gan_model.py`` for the details the paper leaves out).

Phases: "G" (both generators: least-squares GAN loss against each domain's D, cycle consistency A -> B -> A and
B -> A -> B in L1 times --cycle-weight, identity G(b) = b times --identity-weight of that), then "D" (both
discriminators, real vs. a fake drawn from a history of the last 50 fakes, halved as
the reference halves it). A batch is a batch of A and an independently drawn batch of B: no pairing is used.
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F

from gan_demo.kinds.cyclegan import SPEC as CYCLEGAN

from ..data.unpaired import download_unpaired, load_unpaired
from ..errors import UsageError
from .base import Phase, Task, to_unit_range


class ImagePool:
    """The last ``size`` fakes; a query returns, per image, either it (and keeps it) or, half the time once the
    pool is full, an older fake in its place (Shrivastava et al. 2017): D keeps seeing G's past mistakes."""

    def __init__(self, size: int):
        self.size, self.images = size, []

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        chosen = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image)
                chosen.append(image)
            elif torch.rand(()) < 0.5:
                slot = int(torch.randint(0, self.size, ()))
                chosen.append(self.images[slot])
                self.images[slot] = image
            else:
                chosen.append(image)
        return torch.stack(chosen)


def least_squares(logits: torch.Tensor, target: float) -> torch.Tensor:
    return (logits.float() - target).square().mean()


class CycleGANTask(Task):
    kind = CYCLEGAN.name
    help = "train a CycleGAN (two domains, no pairs: A <-> B)"
    defaults = {"epochs": 200, "batch_size": 1, "lr": 2e-4}

    def __init__(self, config, generators, discriminators, cycle_weight: float = 10.0, identity_weight: float = 0.5,
                 pool_size: int = 50):
        super().__init__(config, {"G": generators, "D": discriminators})
        self.cycle_weight, self.identity_weight = cycle_weight, identity_weight
        self.pools = {"A": ImagePool(pool_size), "B": ImagePool(pool_size)}
        self.fixed: dict[str, torch.Tensor] = {}

    # ---- the command line -------------------------------------------------------------------------------------
    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--data", help="openmoji-twemoji | a folder with trainA/ trainB/ (testA/ testB/)")
        parser.add_argument("--download", metavar="NAME", help="fetch a reference dataset: horse2zebra, ...")
        parser.add_argument("--data-limit", type=int, default=0, help="the first N images of each domain (0: all)")
        parser.add_argument("--image-size", type=int, default=256, help="training size (divisible by 4)")
        parser.add_argument("--width", type=int, default=64, help="ngf = ndf")
        parser.add_argument("--residual-blocks", type=int, default=9, help="9 for 256 px, 6 for 128 px and less")
        parser.add_argument("--cycle-weight", type=float, default=10.0, help="lambda of the cycle-consistency loss")
        parser.add_argument("--identity-weight", type=float, default=0.5,
                            help="identity loss weight, as a fraction of --cycle-weight (0: off)")
        parser.add_argument("--pool-size", type=int, default=50, help="fakes remembered for D (0: none)")
        parser.add_argument("--domains", nargs=2, metavar=("A", "B"), help="names of the two domains")
        parser.set_defaults(lr_decay_epochs=100)  # the reference: 100 epochs at the full rate, 100 decaying

    @classmethod
    def validate(cls, args: argparse.Namespace) -> None:
        if bool(args.data) == bool(args.download):
            raise UsageError("give --data (openmoji-twemoji or a trainA/trainB folder) or --download NAME")
        if args.image_size % 4 or args.image_size < 32:  # the 70x70 PatchGAN needs 32 px to judge anything
            raise UsageError(f"--image-size {args.image_size}: must be divisible by 4 and at least 32")
        if min(args.width, args.residual_blocks) < 1 or args.data_limit < 0 or args.pool_size < 0:
            raise UsageError("--width and --residual-blocks must be positive, --data-limit and --pool-size >= 0")
        if args.cycle_weight <= 0 or args.identity_weight < 0:
            raise UsageError("--cycle-weight must be positive (it is what keeps the content) and "
                             "--identity-weight at least 0")

    @classmethod
    def option_overrides(cls, args: argparse.Namespace) -> dict:
        return {"ema_decay": 0.0, "extra": {"data": args.data or args.download, "cycle_weight": args.cycle_weight,
                                            "identity_weight": args.identity_weight, "pool_size": args.pool_size}}

    @classmethod
    def load_data(cls, args: argparse.Namespace):
        source = str(download_unpaired(args.download)) if args.download else args.data
        return load_unpaired(source, args.image_size, limit=args.data_limit or None)

    @classmethod
    def from_args(cls, args: argparse.Namespace, data) -> "CycleGANTask":
        config = CYCLEGAN.config_class(channels_a=data.a.shape[1], channels_b=data.b.shape[1], base_width=args.width,
                                       residual_blocks=args.residual_blocks, image_size=args.image_size,
                                       domains=list(args.domains or data.domains), disc_width=args.width)
        return cls(config, CYCLEGAN.generator_class(config), CYCLEGAN.discriminator_class(config),
                   cycle_weight=args.cycle_weight, identity_weight=args.identity_weight, pool_size=args.pool_size)

    # ---- a training step ----------------------------------------------------------------------------------------
    def phases(self) -> list[Phase]:
        return [Phase("G", optimizer="G", frozen=("D",)), Phase("D", optimizer="D")]

    def make_batch(self, data, indices: torch.Tensor) -> dict:
        """A batch of A by the epoch's order, and as many images of B drawn at random: unpaired."""
        a = data.a[indices % len(data.a)]
        b = data.b[torch.randint(0, len(data.b), (len(indices),), device=data.b.device)]
        return {"A": to_unit_range(a), "B": to_unit_range(b)}

    def loss(self, phase: str, batch: dict):
        return self.generator_loss(batch) if phase == "G" else self.discriminator_loss(batch)

    def generator_loss(self, batch: dict):
        generators, judge = self.networks["G"], self.networks["D"]
        real_a, real_b = batch["A"], batch["B"]
        fake_b, fake_a = generators(real_a, "AtoB"), generators(real_b, "BtoA")
        batch["fake_A"], batch["fake_B"] = fake_a.detach(), fake_b.detach()
        adversarial = least_squares(judge(fake_b, "B"), 1.0) + least_squares(judge(fake_a, "A"), 1.0)
        cycle = (F.l1_loss(generators(fake_b, "BtoA"), real_a) + F.l1_loss(generators(fake_a, "AtoB"), real_b))
        loss = adversarial + self.cycle_weight * cycle
        stats = {"cycle": cycle.detach()}
        if self.identity_weight and self.config.channels_a == self.config.channels_b:
            identity = F.l1_loss(generators(real_b, "AtoB"), real_b) + F.l1_loss(generators(real_a, "BtoA"), real_a)
            loss = loss + self.cycle_weight * self.identity_weight * identity
            stats["identity"] = identity.detach()
        return loss, stats

    def discriminator_loss(self, batch: dict):
        judge, loss = self.networks["D"], 0.0
        for domain in ("A", "B"):
            fake = self.pools[domain].query(batch[f"fake_{domain}"])
            loss = loss + 0.5 * (least_squares(judge(batch[domain], domain), 1.0) +
                                 least_squares(judge(fake, domain), 0.0))
        return loss, {}

    # ---- what gets saved ------------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """The history pools: a resumed run keeps showing D the fakes it remembered."""
        return {f"pool_{domain}": list(pool.images) for domain, pool in self.pools.items()}

    def load_state_dict(self, state: dict) -> None:
        for domain, pool in self.pools.items():
            pool.images = list(state.get(f"pool_{domain}", []))

    def prepare(self, data) -> None:
        """The sample grid's inputs: the first 8 images of each domain."""
        self.fixed = {"A": to_unit_range(data.a[:8]), "B": to_unit_range(data.b[:8])}

    def grid_columns(self) -> int:
        return len(self.fixed["A"])

    @torch.no_grad()
    def sample_grid(self, generator) -> torch.Tensor:
        """Rows: A, A -> B, A -> B -> A, then B, B -> A, B -> A -> B (greyscale shown as RGB beside colour)."""
        a, b = self.fixed["A"], self.fixed["B"]
        to_b, to_a = generator(a, "AtoB"), generator(b, "BtoA")
        rows = [a, to_b, generator(to_b, "BtoA"), b, to_a, generator(to_a, "AtoB")]
        return torch.cat([row.expand(-1, 3, -1, -1) if row.shape[1] == 1 else row for row in rows])
