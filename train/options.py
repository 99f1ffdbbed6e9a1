"""The options of one training run that the loop reads (the kind's own live in its task)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TrainOptions:
    epochs: int = 10  # passes over the dataset
    batch_size: int = 64  # images per step (per process under torchrun)
    lr_g: float = 2e-4  # Adam learning rate of the generator(s): optimiser group "G"
    lr_d: float = 2e-4  # Adam learning rate of the discriminator(s): optimiser group "D"
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas of the DCGAN paper
    ema_decay: float = 0.999  # EMA of generator weights used for sampling; 0 turns it off
    lr_decay_epochs: int = 0  # the learning rates fall linearly to zero over the last N epochs (0: constant)
    save_every: int = 0  # checkpoint every N steps instead of at every epoch end (0: at epoch ends)
    max_steps: int = 0  # stop after this many steps in total (0: no limit)
    time_limit: float = 0.0  # stop (and save) after this many minutes of this invocation (0: no limit)
    log_every: int = 10  # steps between rows of losses.csv
    device: str = "auto"  # "auto", "cpu", "cuda", "cuda:1", ...
    seed: int = 0
    compile: bool = False  # torch.compile every network
    precision: str = "auto"  # "auto" (bf16 where the hardware has bf16 units), "fp32" or "bf16"
    half_weights: bool = False  # store the shipped generator's weights in fp16
    command: str = ""  # the command line, recorded in the model card
    extra: dict = field(default_factory=dict)  # kind-specific options, recorded as they are

    @classmethod
    def from_flags(cls, args, **own) -> "TrainOptions":
        """The options of the flags every training command shares (cli.add_common_training_flags), then the
        kind's ``own``."""
        shared = dict(epochs=args.epochs, batch_size=args.batch_size, lr_g=args.lr_g or args.lr,
                      lr_d=args.lr_d or args.lr,
                      lr_decay_epochs=args.lr_decay_epochs, save_every=args.save_every, max_steps=args.max_steps,
                      time_limit=args.time_limit,
                      device=args.device, precision=args.precision, half_weights=args.half_weights, seed=args.seed,
                      compile=args.compile, command=args.command_line)
        return cls(**{**shared, **own})

    def learning_rate(self, group: str) -> float:
        return self.lr_d if group == "D" else self.lr_g
