"""How a training step computes: bf16 autocast and channels-last where the hardware has bf16 units, fp32 elsewhere.

bf16 pays off only where it is native: CUDA GPUs from Ampere on, and CPUs with AVX512-BF16 or AMX (measured on a
2-core AVX512-BF16 EPYC: a DCGAN-64 step 1.6x faster than fp32). Without those units bf16 is emulated and slower
than fp32, so ``auto`` keeps such CPUs (AVX2 ones, say) in fp32. Weights, optimiser state and losses stay fp32.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import torch

PRECISIONS = ("auto", "fp32", "bf16")
CPU_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


def cpu_flags() -> set[str]:
    """The CPU feature flags Linux reports (empty elsewhere, which keeps ``auto`` on fp32)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def has_native_bf16(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported(including_emulation=False)
    return device.type == "cpu" and bool(CPU_BF16_FLAGS & cpu_flags())


@dataclass(frozen=True)
class Precision:
    device_type: str
    bf16: bool

    @classmethod
    def choose(cls, device: torch.device, requested: str = "auto") -> "Precision":
        if requested not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {requested!r}")
        bf16 = has_native_bf16(device) if requested == "auto" else requested == "bf16"
        return cls(device.type, bf16)

    @property
    def name(self) -> str:
        return "bf16" if self.bf16 else "fp32"

    @property
    def channels_last(self) -> bool:
        """The layout cuDNN's and oneDNN's bf16 convolutions run fastest in."""
        return self.bf16 or self.device_type == "cuda"

    def prepare(self, *modules: torch.nn.Module) -> None:
        """Put the modules' weights in this precision's memory layout (in place)."""
        if self.channels_last:
            for module in modules:
                module.to(memory_format=torch.channels_last)

    def autocast(self) -> contextlib.AbstractContextManager:
        return torch.autocast(self.device_type, dtype=torch.bfloat16, enabled=self.bf16)

    def describe(self) -> str:
        return "bf16 autocast, channels-last" if self.bf16 else "fp32"
