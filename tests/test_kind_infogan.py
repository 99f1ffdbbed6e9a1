import csv

import pytest
import torch

import gan_demo
from gan_demo.kinds.infogan import InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator
from helpers import tiny_images
from kind_conformance import KindConformance
from train.augment import parse_policy
from train.loop import fit
from train.options import TrainOptions
from train.tasks.infogan import InfoGANTask


def tiny_config():
    return InfoGANConfig(image_size=28, channels=1, base_width=8, latent_dim=12)


class TestInfoGANConformance(KindConformance):
    kind = "infogan"

    def tiny_config(self):
        return tiny_config()

    def outputs(self, model, seed):
        category, continuous = model.codes(2, seed)
        return model.generate_coded(model.sample_z(2, seed), category, continuous)

    def tiny_task(self, config):
        return InfoGANTask(config, InfoGANGenerator(config), InfoGANDiscriminator(config),
                           augment=parse_policy("translation"))

    def tiny_data(self):
        return tiny_images(8, channels=1, size=28)


@pytest.fixture
def model(tmp_path):
    TestInfoGANConformance().saved(tmp_path / "info")
    return gan_demo.load(str(tmp_path / "info"))


def test_the_same_seed_keeps_z_whatever_the_codes(model):
    assert model.categories == 10 and model.continuous_codes == ["code 1", "code 2"]
    one = model.generate(1, seed=7, category=1, continuous=[0.0, 0.0])[0]
    other = model.generate(1, seed=7, category=4, continuous=[1.5, -1.0])[0]
    again = model.generate(1, seed=7, category=1, continuous=[0.0, 0.0])[0]
    assert one.tobytes() == again.tobytes() and one.tobytes() != other.tobytes()
    category, _ = model.codes(3, 7, category=4)
    assert category.tolist() == [4, 4, 4]


def test_codes_are_checked(model):
    with pytest.raises(ValueError, match="category must be"):
        model.generate(1, seed=0, category=10)
    with pytest.raises(ValueError, match="continuous must be 2"):
        model.generate(1, seed=0, continuous=[1.0])
    with pytest.raises(ValueError, match="not labels"):
        model.generate(1, seed=0, labels=3)


def test_q_learns_to_read_the_codes_back(tmp_path):
    """A few hundred steps on random images already cut the information loss: G and Q agree on the codes."""
    torch.manual_seed(0)
    config = tiny_config()
    task = InfoGANTask(config, InfoGANGenerator(config), InfoGANDiscriminator(config))
    options = TrainOptions(epochs=40, batch_size=16, log_every=1, device="cpu")
    fit(task, tiny_images(64, channels=1, size=28), options, tmp_path, show_progress=False)
    with open(tmp_path / "training" / "losses.csv") as handle:
        rows = list(csv.DictReader(handle))
    first, last = float(rows[0]["info"]), sum(float(r["info"]) for r in rows[-10:]) / 10
    assert last < 0.7 * first, (first, last)
