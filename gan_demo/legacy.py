"""Weights from other projects, read without unpickling code, their architecture inferred from the tensors.

- pytorch/examples ``dcgan/main.py``: ``netG_epoch_N.pth``, keys ``main.0.weight`` ...
- HugGAN DCGAN (e.g. ``huggan/dcgan-mnist``): the same stack under ``model.N.*``
- junyanz pix2pix ``latest_net_G.pth``: ``model.model.0.weight`` ..., depth, width and norm read from the keys
"""
from __future__ import annotations

import pickle
import re
from pathlib import Path

import torch

from .checkpoints import CheckpointError, build_config, read_safetensors

PICKLE_SUFFIXES = (".pth", ".pt", ".bin", ".ckpt")


def read_state_file(path: Path) -> dict[str, torch.Tensor]:
    """A state dict from .safetensors, or from a .pth through ``torch.load(weights_only=True)`` only."""
    if path.suffix == ".safetensors":
        return read_safetensors(path)
    if path.suffix not in PICKLE_SUFFIXES:
        raise CheckpointError(f"{path}: unsupported weights file (use .safetensors or a .pth state dict)")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(f"{path}: refused to load: the file holds Python objects other than tensors, "
                              f"which could run code ({str(error).splitlines()[0]})") from None
    except (RuntimeError, OSError, EOFError, ValueError) as error:
        raise CheckpointError(f"{path}: not a readable PyTorch file, it may be corrupt or truncated "
                              f"({error})") from None
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise CheckpointError(f"{path}: expected a state dict (names -> tensors)")
    return {k.removeprefix("module."): v for k, v in state.items()}  # DataParallel prefixes


def infer_model(state: dict[str, torch.Tensor], source) -> tuple[str, object, dict[str, torch.Tensor]]:
    """(kind, config, state with our key names) for a foreign state dict."""
    if "model.model.0.weight" in state:
        return infer_pix2pix(state, source)
    if "model.0.weight" in state and not any(k.startswith("main.") for k in state):
        state = {"main." + k.removeprefix("model."): v for k, v in state.items()}  # HugGAN naming
    if "main.0.weight" in state:
        return infer_dcgan(state, source)
    raise CheckpointError(f"{source}: unrecognised weights layout (first keys: {list(state)[:3]})")


def infer_dcgan(state, source):
    """Shapes give z length, widths, channels and size: ConvT(nz, 8w, k) ... ConvT(w, nc, 4)."""
    convs = [state[k] for k in sorted((k for k in state if re.fullmatch(r"main\.\d+\.weight", k)
                                       and state[k].dim() == 4), key=lambda k: int(k.split(".")[1]))]
    if len(convs) < 2:
        raise CheckpointError(f"{source}: not a DCGAN generator (too few convolutions)")
    first, last = convs[0], convs[-1]
    image_size = first.shape[-1] * 2 ** (len(convs) - 1)
    fields = dict(latent_dim=first.shape[0], channels=last.shape[1], image_size=image_size,
                  base_width=last.shape[0])
    return "dcgan", build_config("dcgan", fields, source), state


def infer_pix2pix(state, source):
    prefix, depth = "model.model.", 1
    while any(k.startswith(f"{prefix}{1 if depth == 1 else 3}.model.") for k in state):
        prefix = f"{prefix}{1 if depth == 1 else 3}.model."
        depth += 1
    first = state["model.model.0.weight"]  # (ngf, input_nc, 4, 4)
    output_nc = state["model.model.3.weight"].shape[1]  # outermost ConvTranspose2d (2 ngf, output_nc, 4, 4)
    # affine batch norm leaves 1-D scales; old instance-norm files may carry running stats but never scales
    batch_norm = any(k.endswith(".weight") and v.dim() == 1 for k, v in state.items())
    fields = dict(input_channels=first.shape[1], output_channels=output_nc, depth=depth,
                  base_width=first.shape[0], norm="batch" if batch_norm else "instance", dropout=True,
                  inference_mode="paper", image_size=256)
    config = build_config("pix2pix", fields, source)
    return "pix2pix", config, patch_old_norm_keys(state, batch_norm)


def patch_old_norm_keys(state: dict, batch_norm: bool) -> dict:
    """Files saved before PyTorch 0.4 lack ``num_batches_tracked``, or carry running stats for InstanceNorm."""
    state = dict(state)
    if batch_norm:
        for key in [k for k in state if k.endswith("running_mean")]:
            state.setdefault(key.replace("running_mean", "num_batches_tracked"), torch.tensor(0))
    else:
        for key in [k for k in state if k.rsplit(".", 1)[-1] in ("running_mean", "running_var",
                                                                  "num_batches_tracked")]:
            del state[key]
    return state
