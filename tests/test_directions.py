import torch

import gan_demo
from helpers import make_checkpoint
from train.cli import main


def test_directions_are_unit_length_and_move_the_image_more_than_random_ones(tmp_path):
    folder = make_checkpoint(tmp_path / "dcgan", "dcgan", seed=3)
    assert main(["directions", str(folder), "--count", "6", "--samples", "800"]) == 0
    model = gan_demo.load(str(folder))
    vectors = model.directions.vectors
    assert vectors.shape == (6, 100)
    assert torch.allclose(vectors.norm(dim=1), torch.ones(6), atol=1e-5)
    assert model.directions.labels()[0].startswith("direction 1 — ")
    z = model.sample_z(16, seed=0)
    random = torch.nn.functional.normalize(torch.randn(6, 100, generator=torch.Generator().manual_seed(1)), dim=1)
    base = model.generate_tensor(z)

    def change(direction):
        return (model.generate_tensor(z + 2.0 * direction) - base).abs().mean().item()

    assert min(change(v) for v in vectors[:2]) > sum(change(r) for r in random) / len(random)
    # a slider back at 0 returns the exact image
    assert torch.equal(model.generate_tensor(model.directions.apply(z, [0.0] * 6)), base)
    import json

    recorded = json.loads((folder / "config.json").read_text())["directions"]
    assert recorded["count"] == 6 and len(recorded["explained_variance"]) == 6
