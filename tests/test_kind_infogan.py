import argparse
import csv

import pytest
import torch
from torch import nn

import gan_demo
from gan_demo.kinds.infogan import InfoGANConfig, InfoGANDiscriminator, InfoGANGenerator
from helpers import tiny_images
from kind_conformance import KindConformance
from train.augment import parse_policy
from train.cli import main
from train.data.core import ImageData
from train.errors import UsageError
from train.loop import fit
from train.options import TrainOptions
from train.tasks.base import copy_weights
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


def half_lit_images(n: int) -> ImageData:
    """Class 0 lights the top half, class 1 the bottom half (a little noise on both): two kinds any net tells apart."""
    labels = torch.arange(n) % 2
    images = torch.randint(0, 40, (n, 1, 28, 28), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    for image, label in zip(images, labels):
        image[:, 14 * int(label):14 * int(label) + 14] += 200
    return ImageData(images, labels, ["top", "bottom"], source="half-lit test images")


def guide_options(**flags) -> argparse.Namespace:
    return argparse.Namespace(**{"guide_labels": 4, "categories": 2, "seed": 0, **flags})


def test_guide_labels_pick_that_many_images_of_each_class_the_same_for_a_seed():
    data = half_lit_images(40)
    images, classes = InfoGANTask.guide_images(guide_options(), data)
    assert classes.tolist().count(0) == classes.tolist().count(1) == 4
    assert torch.equal(images, InfoGANTask.guide_images(guide_options(), data)[0])
    assert not torch.equal(images, InfoGANTask.guide_images(guide_options(seed=1), data)[0])
    assert InfoGANTask.guide_images(guide_options(guide_labels=0), data) is None


@pytest.mark.parametrize("flags, message", [({"categories": 3}, "--categories 3"),
                                            ({"guide_labels": 30}, "fewer images")])
def test_guide_labels_that_cannot_be_met_are_refused(flags, message):
    with pytest.raises(UsageError, match=message):
        InfoGANTask.guide_images(guide_options(**flags), half_lit_images(40))


def test_unlabelled_data_cannot_guide_the_category():
    with pytest.raises(UsageError, match="labelled data"):
        InfoGANTask.guide_images(guide_options(), tiny_images(8, channels=1, size=28))


def test_guided_categories_draw_the_classes_of_the_labelled_images(tmp_path):
    """Four labelled images per class are enough for category k to draw class k: category 0 lights the top half.
    (Unguided, the same run's categories were no classes: 22 % and 53 % of their images lit the top, seed 0.)"""
    torch.manual_seed(0)
    config = InfoGANConfig(image_size=28, channels=1, base_width=8, latent_dim=12, categories=2)
    data = half_lit_images(64)
    task = InfoGANTask(config, InfoGANGenerator(config), InfoGANDiscriminator(config),
                       guide=InfoGANTask.guide_images(guide_options(), data))
    fit(task, data, TrainOptions(epochs=60, batch_size=16, device="cpu"), tmp_path, show_progress=False)
    model = gan_demo.load(tmp_path)
    for category in (0, 1):
        images = model.generate_coded(model.sample_z(32, 5), torch.full((32,), category), torch.zeros(32, 2))
        top, bottom = images[:, :, :14].mean((1, 2, 3)), images[:, :, 14:].mean((1, 2, 3))
        lit_top = (top > bottom).float().mean().item()
        assert lit_top == pytest.approx(1.0 - category, abs=0.15), (category, lit_top)


def test_a_louder_category_must_be_positive():
    with pytest.raises(ValueError, match="category_gain"):
        InfoGANConfig(image_size=28, channels=1, category_gain=0.0)


def test_reading_z_back_adds_its_squared_error_to_the_information_loss():
    config = InfoGANConfig(image_size=28, channels=1, base_width=8, latent_dim=12, reads_z=True)
    task = InfoGANTask(config, InfoGANGenerator(config), InfoGANDiscriminator(config), z_weight=2.0)
    z, codes = task.sample_inputs(16, "cpu")
    category_logits = 50 * nn.functional.one_hot(codes[0], 10).float()  # Q sure of the category, and right
    exact = task.information_loss((category_logits, codes[1], z), codes, z)
    blind = task.information_loss((category_logits, codes[1], torch.zeros_like(z)), codes, z)
    assert float(exact) == pytest.approx(0.0, abs=1e-6)
    assert float(blind) == pytest.approx(2.0 * float(z.square().mean()), rel=1e-5)
    with pytest.raises(ValueError, match="reads z back"):
        InfoGANTask(tiny_config(), InfoGANGenerator(tiny_config()), InfoGANDiscriminator(tiny_config()), z_weight=1.0)


def test_a_model_whose_q_never_read_z_continues_with_a_fresh_z_head():
    """--init-from such a model with --z-weight: every trained tensor is copied, the new head keeps its own."""
    plain = InfoGANDiscriminator(tiny_config())
    reading = InfoGANDiscriminator(InfoGANConfig(image_size=28, channels=1, base_width=8, latent_dim=12, reads_z=True))
    fresh_head = reading.z_head[1].weight.detach().clone()
    copy_weights(reading, plain, "test", fresh=("z_head.",))
    assert torch.equal(reading.z_head[1].weight, fresh_head)
    assert all(torch.equal(value, reading.state_dict()[key]) for key, value in plain.state_dict().items())
    with pytest.raises(UsageError, match="z_head"):
        copy_weights(InfoGANDiscriminator(reading.config), plain, "test")


def test_the_cli_continues_a_loud_category_with_q_reading_z(tmp_path, capsys):
    """The shipped model's recipe in small: a loud category, then --init-from it with Q also reading z back. The
    gain is no tensor shape, so continuing at another gain (the same weights drawing other images) is refused, and
    so is continuing a Q that read z without --z-weight, each naming the flag to pass."""
    flags = ["infogan", "--data", "mnist", "--data-limit", "64", "--epochs", "2", "--batch-size", "16", "--width", "8",
             "--quiet"]
    assert main([*flags, "--category-gain", "3", "--out", str(tmp_path / "plain")]) == 0
    assert main([*flags, "--init-from", str(tmp_path / "plain"), "--category-gain", "3", "--z-weight", "10",
                 "--out", str(tmp_path / "loud")]) == 0
    model = gan_demo.load(tmp_path / "loud")
    assert model.config.category_gain == 3.0 and model.config.reads_z and model.discriminator.z_head is not None
    assert "Earlier stages" in (tmp_path / "loud" / "README.md").read_text()
    assert main([*flags, "--z-weight", "-1", "--out", str(tmp_path / "bad")]) == 2
    capsys.readouterr()
    assert main([*flags, "--init-from", str(tmp_path / "plain"), "--out", str(tmp_path / "quiet")]) == 2  # gain 1
    assert "pass --category-gain 3" in capsys.readouterr().err
    assert main([*flags, "--init-from", str(tmp_path / "loud"), "--category-gain", "3",
                 "--out", str(tmp_path / "unread")]) == 2
    assert "pass --z-weight" in capsys.readouterr().err
    assert not (tmp_path / "quiet").exists() and not (tmp_path / "unread").exists()


def test_a_sweep_counts_as_one_way_only_if_every_step_moves_in_the_codes_direction():
    from train.tools.infogan_metrics import one_way_share

    per_step = torch.tensor([[0.0, 3.0, 0.0, 0.0],  # sweep values x images: up, down, up then flat, up then down
                             [1.0, 2.0, 1.0, 2.0],
                             [2.0, 1.0, 1.0, 1.0]])
    assert one_way_share(per_step, direction=0.4) == 0.25
    assert one_way_share(per_step, direction=-0.9) == 0.25
    assert one_way_share(per_step[:, 2:], direction=1.0) == 0.0
