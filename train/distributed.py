"""DistributedDataParallel under torchrun (NCCL on GPUs, gloo on CPUs); single-process runs pass through."""
from __future__ import annotations

import os
import warnings

import torch
import torch.distributed as dist
from torch import nn


def setup() -> tuple[int, int]:
    """(rank, world size); joins the process group when started by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() and os.environ.get("GAN_DDP_BACKEND") != "gloo" else "gloo"
        dist.init_process_group(backend)
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def device_for(device: torch.device, rank: int) -> torch.device:
    """Under torchrun each process takes the GPU of its local rank."""
    if device.type == "cuda" and dist.is_initialized():
        local = int(os.environ.get("LOCAL_RANK", rank))
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return device


def wrap(module: nn.Module, device: torch.device) -> nn.Module:
    if not dist.is_initialized():
        return module
    ids = [device.index] if device.type == "cuda" else None
    # buffers (batch-norm statistics) stay per process: D runs twice per step, on real and on fake images.
    # PyTorch warns that broadcast_buffers is deprecated but itself advises keeping it for rank-local buffers.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*broadcast_buffers.*", category=FutureWarning)
        return nn.parallel.DistributedDataParallel(module, device_ids=ids, broadcast_buffers=False)


def is_main_process() -> bool:
    """Rank 0, or a run outside torchrun (before or after the process group exists)."""
    return int(os.environ.get("RANK", "0")) == 0


def teardown() -> None:
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
