"""The original GAN (Goodfellow et al. 2014) on 2-D points, small enough to train live and watch.

The forger (G, an MLP) maps 2-D noise to points; the detective (D, an MLP) says how real a point looks. Three
value functions: "minimax" (the paper's: G minimises log(1 - D(G(z))), which stops teaching G once D is sure),
"non-saturating" (G maximises log D(G(z)) instead, the paper's own fix) and "least-squares" (Mao et al. 2017).
Two stabilisers are on by default, each with a switch to watch what happens without it: an R1 penalty on D's
gradient at real points (Mescheder et al. 2018), applied lazily every few steps, and an exponential moving
average of G's weights for sampling. Without them the plain non-saturating GAN drops modes of the ring on
about half the seeds.

    gan = ToyGAN(distribution="ring", loss="non-saturating", seed=0)
    gan.train(steps=2000)
    gan.sample(500)        # (500, 2) numpy, from the averaged generator
    gan.real_sample(500)   # (500, 2) numpy, from the data
"""
from __future__ import annotations

import copy
import functools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DISTRIBUTIONS = ("ring", "grid", "two-moons", "spiral")
LOSSES = ("minimax", "non-saturating", "least-squares")
MODE_STD = 0.05  # spread of each Gaussian of "ring", "grid" and drawn points
MAX_POINTS = 2_000  # drawn points kept


def mixture_centres(distribution: str) -> np.ndarray | None:
    """(K, 2) the modes of a mixture distribution, None for the continuous ones."""
    if distribution == "ring":
        angles = np.arange(8) * 2 * math.pi / 8
        return 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    if distribution == "grid":
        return np.stack(np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 5)), axis=-1).reshape(-1, 2)
    return None


@functools.lru_cache(maxsize=None)
def centre_tensor(distribution: str) -> torch.Tensor | None:
    """``mixture_centres`` as a float tensor, made once: ``sample_real`` runs every training step."""
    centres = mixture_centres(distribution)
    return None if centres is None else torch.from_numpy(centres).float()


def sample_real(distribution, n: int, generator: torch.Generator) -> torch.Tensor:
    """(n, 2) points of ``distribution``: a name, or an (K, 2) array of points a user drew (each a small Gaussian)."""
    if not isinstance(distribution, str):
        centres = torch.as_tensor(distribution, dtype=torch.float32)
        picks = torch.randint(0, len(centres), (n,), generator=generator)
        return centres[picks] + MODE_STD * torch.randn(n, 2, generator=generator)
    centres = centre_tensor(distribution)
    if centres is not None:
        picks = torch.randint(0, len(centres), (n,), generator=generator)
        return centres[picks] + MODE_STD * torch.randn(n, 2, generator=generator)
    t = torch.rand(n, generator=generator)
    if distribution == "two-moons":
        upper = torch.rand(n, generator=generator) < 0.5
        angle = t * math.pi
        x = torch.where(upper, torch.cos(angle), 1 - torch.cos(angle)) - 0.5
        y = torch.where(upper, torch.sin(angle), 0.5 - torch.sin(angle)) - 0.25
        points = torch.stack([x, y], dim=1) * 1.6
    else:  # spiral: two turns outwards
        angle = t.sqrt() * 4 * math.pi
        points = torch.stack([torch.cos(angle), torch.sin(angle)], dim=1) * (0.3 + 2.0 * t.sqrt())[:, None]
    return points + 0.04 * torch.randn(n, 2, generator=generator)


def check_distribution(distribution):
    if isinstance(distribution, str):
        if distribution not in DISTRIBUTIONS:
            raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)} or drawn points")
        return distribution
    points = np.asarray(distribution, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 2 or not 1 <= len(points) <= MAX_POINTS:
        raise ValueError(f"drawn points must be an (N, 2) array with 1 to {MAX_POINTS} points")
    if not np.isfinite(points).all() or np.abs(points).max() > 10:
        raise ValueError("drawn points must be finite and within -10 .. 10")
    return points


def mlp(inputs: int, width: int, outputs: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inputs, width), nn.LeakyReLU(0.2), nn.Linear(width, width), nn.LeakyReLU(0.2),
                         nn.Linear(width, outputs))


class FusedAdam:
    """Adam (Kingma & Ba 2015) over a few small tensors: torch's fused kernel, called without ``torch.optim``'s
    per-step bookkeeping (hooks, grouping by device, profiler records), which at this size costs about ten times
    the update itself. Takes the gradients as arguments, so no ``.grad`` is kept or zeroed."""

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float]):
        self.params, self.lr, self.betas = params, lr, betas
        self.exp_avgs = [torch.zeros_like(p) for p in params]
        self.exp_avg_sqs = [torch.zeros_like(p) for p in params]
        self.steps = torch.zeros(())  # shared by all tensors: they always step together

    @torch.no_grad()
    def step(self, grads: tuple[torch.Tensor, ...]) -> None:
        self.steps += 1
        torch._fused_adam_(self.params, list(grads), self.exp_avgs, self.exp_avg_sqs, [],
                           [self.steps] * len(self.params), lr=self.lr, beta1=self.betas[0], beta2=self.betas[1],
                           weight_decay=0.0, eps=1e-8, amsgrad=False, maximize=False)


@dataclass
class ToyOptions:
    loss: str = "non-saturating"  # one of LOSSES
    lr_g: float = 1e-3  # Adam learning rate of the forger
    lr_d: float = 1e-3  # Adam learning rate of the detective
    batch_size: int = 256
    width: int = 64  # hidden units of both MLPs
    r1: float = 0.1  # weight of the R1 penalty on D (0: off)
    r1_every: int = 4  # the penalty's interval in steps (scaled up to match), as StyleGAN2's lazy regularisation
    ema: float = 0.99  # EMA of G's weights for sampling (0: sample the live G)


class ToyGAN:
    """A GAN on 2-D points: ``train`` it, ``sample`` it, ``step`` D or G alone, read D's belief anywhere."""

    def __init__(self, distribution="ring", loss: str = "non-saturating", seed: int = 0, **options):
        if loss not in LOSSES:
            raise ValueError(f"loss must be one of {', '.join(LOSSES)}")
        self.distribution = check_distribution(distribution)
        self.options = ToyOptions(loss=loss, **options)
        self.rng = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        self.generator, self.discriminator = mlp(2, self.options.width, 2), mlp(2, self.options.width, 1)
        self.average = copy.deepcopy(self.generator).requires_grad_(False)
        self.forger_weights = list(self.generator.parameters())
        self.detective_weights = list(self.discriminator.parameters())
        self.average_weights = list(self.average.parameters())
        betas = (0.5, 0.999)
        self.opt_g = FusedAdam(self.forger_weights, lr=self.options.lr_g, betas=betas)
        self.opt_d = FusedAdam(self.detective_weights, lr=self.options.lr_d, betas=betas)
        self.steps = 0
        self._last = {"loss_D": torch.tensor(float("nan")), "loss_G": torch.tensor(float("nan"))}

    def set_learning_rates(self, lr_g: float, lr_d: float) -> None:
        """Change the players' learning rates mid-game (the optimisers keep their moment estimates)."""
        for optimizer, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            if not 0 < lr <= 0.1:
                raise ValueError("learning rates must be above 0 and at most 0.1")
            optimizer.lr = lr
        self.options.lr_g, self.options.lr_d = lr_g, lr_d

    # ---- the game ----------------------------------------------------------------------------------------------
    def noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, 2, generator=self.rng)

    def detective_loss(self, real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.options.loss == "least-squares":
            return 0.5 * ((real_logits - 1).square().mean() + fake_logits.square().mean())
        return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()  # -log D(x) - log(1 - D(G(z)))

    def forger_loss(self, fake_logits: torch.Tensor) -> torch.Tensor:
        if self.options.loss == "minimax":
            return -F.softplus(fake_logits).mean()  # log(1 - D(G(z))): flat where D is sure, so G stops learning
        if self.options.loss == "least-squares":
            return 0.5 * (fake_logits - 1).square().mean()
        return F.softplus(-fake_logits).mean()  # -log D(G(z))

    def step(self, detective: bool = True, forger: bool = True) -> dict[str, float]:
        """One training step of the detective, the forger, or both (in that order); the last losses."""
        self._step(detective, forger)
        return self.last

    def _step(self, detective: bool = True, forger: bool = True) -> None:
        """One forger pass serves both players: the detective judges its points (detached), then the forger learns
        from the updated detective's verdict on the same points."""
        with torch.enable_grad():
            with torch.set_grad_enabled(forger):
                fake = self.generator(self.noise(self.options.batch_size))
            if detective:
                self._last["loss_D"] = self._detective_step(fake.detach())
            if forger:
                self._last["loss_G"] = self._forger_step(fake)
        self.steps += 1

    def _detective_step(self, fake: torch.Tensor) -> torch.Tensor:
        """D on real and fake points in one pass; every ``r1_every`` steps the R1 penalty, scaled up to match."""
        options, n = self.options, len(fake)
        real = sample_real(self.distribution, n, self.rng)
        penalise = options.r1 > 0 and self.steps % options.r1_every == 0
        real.requires_grad_(penalise)
        logits = self.discriminator(torch.cat([real, fake]))
        loss = self.detective_loss(logits[:n], logits[n:])
        if penalise:
            (gradient,) = torch.autograd.grad(logits[:n].sum(), real, create_graph=True)
            loss = loss + 0.5 * options.r1 * options.r1_every * gradient.square().sum(1).mean()
        self.opt_d.step(torch.autograd.grad(loss, self.detective_weights))
        return loss.detach()

    def _forger_step(self, fake: torch.Tensor) -> torch.Tensor:
        """G's gradient through D (D's own weights get none), then the averaged G follows."""
        loss = self.forger_loss(self.discriminator(fake))
        self.opt_g.step(torch.autograd.grad(loss, self.forger_weights))
        self.update_average()
        return loss.detach()

    @property
    def last(self) -> dict[str, float]:
        """The losses of the last step of each player."""
        return {name: float(value) for name, value in self._last.items()}

    @torch.no_grad()
    def update_average(self) -> None:
        decay = min(self.options.ema, (1 + self.steps) / (10 + self.steps))
        torch._foreach_lerp_(self.average_weights, self.forger_weights, 1 - decay)

    def train(self, steps: int) -> dict:
        """``steps`` steps of both players; returns the last losses."""
        if isinstance(steps, bool) or not isinstance(steps, int) or not 0 <= steps <= 100_000:
            raise ValueError("steps must be a whole number from 0 to 100,000")
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # tensors of a few hundred points: threads cost more than they bring
        try:
            for _ in range(steps):
                self._step()
        finally:
            torch.set_num_threads(threads)
        return self.last

    # ---- what a user looks at ----------------------------------------------------------------------------------
    @property
    def sampler(self) -> nn.Module:
        return self.average if self.options.ema > 0 else self.generator

    @torch.no_grad()
    def sample(self, n: int, seed: int = 1) -> np.ndarray:
        """(n, 2) generated points; the same seed gives the same noise."""
        z = torch.randn(n, 2, generator=torch.Generator().manual_seed(seed))
        return self.sampler(z).numpy()

    def real_sample(self, n: int, seed: int = 2) -> np.ndarray:
        return sample_real(self.distribution, n, torch.Generator().manual_seed(seed)).numpy()

    @torch.no_grad()
    def belief(self, points: np.ndarray) -> np.ndarray:
        """D's probability that each point is real (least squares: its output clipped to [0, 1])."""
        logits = self.discriminator(torch.as_tensor(points, dtype=torch.float32))[:, 0]
        return (logits.clamp(0, 1) if self.options.loss == "least-squares" else torch.sigmoid(logits)).numpy()

    def forger_gradient(self, points: np.ndarray) -> np.ndarray:
        """(N, 2) the direction the forger's loss pushes a generated point at each of ``points``."""
        x = torch.as_tensor(points, dtype=torch.float32).requires_grad_(True)
        with torch.enable_grad():
            (gradient,) = torch.autograd.grad(self.forger_loss(self.discriminator(x)) * len(x), x)
        return (-gradient).numpy()

    def mode_coverage(self, n: int = 2000, seed: int = 1) -> tuple[int, int, float]:
        """(modes covered, modes in all, share of points off every mode) for mixture distributions: a mode is
        covered when at least 1 % of the samples lie within 3 std of it."""
        centres = mixture_centres(self.distribution) if isinstance(self.distribution, str) else None
        if centres is None:
            raise ValueError("mode coverage is defined for the mixtures: ring and grid")
        distances = np.linalg.norm(self.sample(n, seed)[:, None] - centres[None], axis=2)
        near = distances < 3 * MODE_STD
        covered = int((near.sum(0) >= 0.01 * n).sum())
        return covered, len(centres), float(1 - near.any(1).mean())
