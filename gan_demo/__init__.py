"""GAN Playground's library: load a trained generator and use it (nothing here trains)."""
from .checkpoints import CheckpointError
from .loading import list_models, load

__all__ = ["CheckpointError", "list_models", "load"]
