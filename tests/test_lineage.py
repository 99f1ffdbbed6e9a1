"""A model trained in stages (--init-from) keeps, in its card, every command that made it: the starting folder may
be gone or replaced by the time someone wants to remake it."""
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from helpers import make_aligned_dataset
from train.cli import main
from train.model_card import write_model_card
from train.run_files import lineage

TINY_RUN = ["--crop-size", "16", "--crops-per-epoch", "8", "--batch-size", "4", "--max-steps", "2", "--device", "cpu",
            "--quiet"]


def test_a_run_started_from_another_lists_its_stages_even_after_the_start_is_gone(tmp_path):
    """A blend of the two (sr-interpolate) lists the PSNR model once, though the GAN model also started from it."""
    photos = photo_folder(tmp_path / "photos")
    first, second = tmp_path / "psnr", tmp_path / "gan"
    assert main(["srgan", "--data", str(photos), "--adversarial-weight", "0", "--width", "8", "--blocks", "1",
                 *TINY_RUN, "--out", str(first)]) == 0
    assert main(["srgan", "--data", str(photos), "--init-from", str(first), "--adversarial-weight", "1e-3",
                 "--disc-width", "4", *TINY_RUN, "--out", str(second)]) == 0
    blend = tmp_path / "blend"
    assert main(["sr-interpolate", "--psnr", str(first), "--gan", str(second), "--alpha", "0.5",
                 "--out", str(blend)]) == 0
    stages = (blend / "README.md").read_text().split("- **Earlier stages:**\n", 1)[1].split("\n- ", 1)[0]
    assert [line.split(":")[0].strip() for line in stages.splitlines()] == ["1. PSNR model", "2. GAN model"], stages
    shutil.rmtree(first)
    write_model_card(second)
    card = (second / "README.md").read_text()
    stage = card.split("- **Earlier stages:**\n", 1)[1].split("\n", 1)[0]
    assert stage.startswith("  1. starting weights: `python -m train srgan") and "--adversarial-weight 0" in stage
    assert f"--out {first}" in stage and "2 steps" in stage


def photo_folder(root):
    root.mkdir()
    rng = np.random.default_rng(0)
    for index in range(2):
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(root / f"{index}.png")
    return root


def sr_run(tmp_path):
    return ["srgan", "--data", str(photo_folder(tmp_path / "photos")), "--adversarial-weight", "0", "--width", "8",
            "--blocks", "1", *TINY_RUN]


def pix2pix_run(tmp_path):
    return ["pix2pix", "--data", str(make_aligned_dataset(tmp_path / "pairs")), "--image-size", "32", "--depth", "5",
            "--width", "4", "--disc-width", "4", "--batch-size", "2", "--max-steps", "2", "--device", "cpu", "--quiet"]


@pytest.mark.parametrize("tiny_run", [sr_run, pix2pix_run])
def test_a_resumed_run_needs_only_its_own_folder_and_keeps_its_stages(tmp_path, tiny_run):
    """--resume continues from the run's own state: the --init-from folder may be gone, the card still names it."""
    command = tiny_run(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    assert main([*command, "--out", str(first)]) == 0
    assert main([*command, "--init-from", str(first), "--out", str(second)]) == 0
    stages = json.loads((second / "config.json").read_text())["training"]["earlier_stages"]
    assert [stage["role"] for stage in stages] == ["starting weights"] and f"--out {first}" in stages[0]["command"]
    shutil.rmtree(first)
    assert main([*command, "--init-from", str(first), "--out", str(second), "--resume", "--max-steps", "4"]) == 0
    training = json.loads((second / "config.json").read_text())["training"]
    assert training["steps"] == 4 and training["earlier_stages"] == stages


def test_lineage_puts_the_oldest_stage_first_and_the_checkpoint_itself_last():
    payload = {"training": {"command": "python -m train srgan --init-from a", "device": "CPU", "steps": 5,
                            "wall_time_seconds": 60, "earlier_stages": [{"role": "starting weights", "command": "a"}]}}
    stages = lineage(payload, "GAN model")
    assert [s["command"] for s in stages] == ["a", "python -m train srgan --init-from a"]
    assert stages[-1] == {"role": "GAN model", "command": "python -m train srgan --init-from a", "device": "CPU",
                          "wall_time_seconds": 60, "steps": 5}
