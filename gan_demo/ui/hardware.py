"""Where the app computes.

Inference stays on the CPU on every hardware, ZeroGPU included: the shipped models answer in 1-21 ms on a 2-core
CPU (README, "Serving"), less than ZeroGPU takes to schedule a GPU for a call, and a GPU call also spends the
visitor's daily GPU quota and, with the canvas firing an event per stroke, would queue every stroke. The one
handler worth a GPU slot is the Train tab's live run (minutes on a CPU): on ZeroGPU hardware ``accelerated``
gives it one for the ``duration`` it asks; everywhere else (CPU Spaces, laptops) the decorator changes nothing.
``GAN_PLAYGROUND_DEVICE=cuda`` serves the models from a local GPU.
"""
from __future__ import annotations

import importlib.util
import os

import torch

ZERO_GPU = importlib.util.find_spec("spaces") is not None and bool(os.environ.get("SPACES_ZERO_GPU"))


def inference_device() -> str:
    """"cuda" inside a ZeroGPU call or where GAN_PLAYGROUND_DEVICE=cuda asks for an available GPU, else "cpu"."""
    wanted = os.environ.get("GAN_PLAYGROUND_DEVICE", "cpu")
    return "cuda" if wanted == "cuda" and torch.cuda.is_available() else "cpu"


def training_device() -> str:
    """A live run trains on a GPU where one is visible (a ZeroGPU call, a local GPU), else on the CPU."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def accelerated(duration):
    """``spaces.GPU(duration=duration)`` on ZeroGPU hardware (``duration``: seconds, or a function of the
    handler's arguments giving them), the handler itself elsewhere."""
    def decorate(handler):
        if not ZERO_GPU:
            return handler
        import spaces

        return spaces.GPU(duration=duration)(handler)

    return decorate
