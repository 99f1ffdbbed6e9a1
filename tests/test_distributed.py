"""torchrun with 2 CPU processes (gloo): the same checkpoint format, loadable, and resumable."""
import json
import os
import subprocess
import sys
from pathlib import Path

import gan_demo
from test_train import make_image_folder

ROOT = Path(__file__).resolve().parent.parent


def test_two_gloo_processes_train_a_loadable_checkpoint(tmp_path):
    data = make_image_folder(tmp_path / "discs", count=32)
    out = tmp_path / "ddp"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29533",
               "-m", "train", "dcgan", "--data", str(data), "--out", str(out), "--batch-size", "4",
               "--image-size", "32", "--width", "8", "--epochs", "1", "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GAN_DDP_BACKEND": "gloo"}
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["steps"] == 32 // (4 * 2)  # each process takes its own half of every epoch
    model = gan_demo.load(str(out))
    assert model.generate(1, seed=0)[0].size == (32, 32)
    resumed = command[:-3] + ["--epochs", "2", "--resume", "--quiet"]
    subprocess.run(resumed, cwd=ROOT, env=env, check=True, timeout=300, capture_output=True)
    assert json.loads((out / "config.json").read_text())["training"]["steps"] == 2 * 32 // 8
