"""A model trained in stages (--init-from) keeps, in its card, every command that made it: the starting folder may
be gone or replaced by the time someone wants to remake it."""
import shutil

import numpy as np
from PIL import Image

from train.cli import main
from train.model_card import write_model_card
from train.run_files import lineage

TINY_RUN = ["--crop-size", "16", "--crops-per-epoch", "8", "--batch-size", "4", "--max-steps", "2", "--device", "cpu",
            "--quiet"]


def test_a_run_started_from_another_lists_its_stages_even_after_the_start_is_gone(tmp_path):
    """A blend of the two (sr-interpolate) lists the PSNR model once, though the GAN model also started from it."""
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for index in range(2):
        Image.fromarray(rng.integers(0, 256, (40, 48, 3), dtype=np.uint8)).save(photos / f"{index}.png")
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


def test_lineage_puts_the_oldest_stage_first_and_the_checkpoint_itself_last():
    payload = {"training": {"command": "python -m train srgan --init-from a", "device": "CPU", "steps": 5,
                            "wall_time_seconds": 60, "earlier_stages": [{"role": "starting weights", "command": "a"}]}}
    stages = lineage(payload, "GAN model")
    assert [s["command"] for s in stages] == ["a", "python -m train srgan --init-from a"]
    assert stages[-1] == {"role": "GAN model", "command": "python -m train srgan --init-from a", "device": "CPU",
                          "wall_time_seconds": 60, "steps": 5}
