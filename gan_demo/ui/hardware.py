"""Where inference runs. On a Hugging Face Space with ZeroGPU hardware the `spaces` package lends a GPU to
each decorated call; everywhere else (free CPU Spaces, laptops) the decorator is a no-op and models stay on
the CPU unless GAN_PLAYGROUND_DEVICE=cuda asks otherwise."""
from __future__ import annotations

import importlib.util
import os

import torch

ZERO_GPU = importlib.util.find_spec("spaces") is not None and bool(os.environ.get("SPACES_ZERO_GPU"))


def inference_device() -> str:
    wanted = os.environ.get("GAN_PLAYGROUND_DEVICE", "cuda" if ZERO_GPU else "cpu")
    return wanted if wanted == "cpu" or torch.cuda.is_available() or ZERO_GPU else "cpu"


def accelerated(handler):
    """``spaces.GPU`` on ZeroGPU hardware, the handler itself elsewhere."""
    if not ZERO_GPU:
        return handler
    import spaces

    return spaces.GPU(handler)
