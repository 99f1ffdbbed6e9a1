import json
import shutil

import pytest
import torch

import gan_demo
from gan_demo.kinds.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from helpers import TINY_CONFIGS, tiny_images
from kind_conformance import KindConformance
from reference_layouts import huggan_generator, pytorch_examples_generator
from train.augment import parse_policy
from train.tasks.image_gan import DCGANTask


class TestDCGANConformance(KindConformance):
    kind = "dcgan"

    def tiny_config(self):
        return TINY_CONFIGS["dcgan"]()

    def outputs(self, model, seed):
        return model.generate_tensor(model.sample_z(2, seed))

    def tiny_task(self, config):
        return DCGANTask(config, DCGANGenerator(config), DCGANDiscriminator(config), augment=parse_policy("color"))

    def tiny_data(self):
        return tiny_images(8, channels=3, size=32)


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_generator_and_discriminator_shapes(size, channels):
    config = DCGANConfig(image_size=size, channels=channels, base_width=8)
    images = DCGANGenerator(config)(torch.randn(5, 100))
    assert images.shape == (5, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert DCGANDiscriminator(config)(images).shape == (5,)


def test_reference_parameter_count_and_invalid_sizes():
    assert sum(p.numel() for p in DCGANGenerator(DCGANConfig()).parameters()) == 3_576_704  # pytorch/examples
    with pytest.raises(ValueError, match="image_size"):
        DCGANConfig(image_size=48)


def test_pytorch_examples_pth_loads_and_reproduces(tmp_path):
    reference = pytorch_examples_generator().eval()
    torch.save(reference.state_dict(), tmp_path / "netG_epoch_24.pth")
    model = gan_demo.load(str(tmp_path / "netG_epoch_24.pth"))
    assert (model.kind, model.image_size, model.channels, model.latent_dim) == ("dcgan", 64, 3, 100)
    z = torch.randn(3, 100)
    expected = reference(z[:, :, None, None])
    assert torch.allclose(model.generate_tensor(z), expected, atol=1e-5)


def test_huggan_layout_loads_and_reproduces(tmp_path):
    from safetensors.torch import save_file

    reference = huggan_generator(nc=1).eval()
    assert next(iter(reference.state_dict())).startswith("model.0.")
    repo = tmp_path / "huggan-dcgan-mnist"
    repo.mkdir()
    save_file(reference.state_dict(), repo / "model.safetensors")
    model = gan_demo.load(str(repo))
    z = torch.randn(2, 100)
    assert torch.allclose(model.generate_tensor(z), reference.model(z[:, :, None, None]), atol=1e-5)


def test_evaluating_a_digit_dcgan_reports_how_its_samples_spread_over_the_digits(tmp_path):
    """An unconditional digit model cannot be asked for a digit, so `evaluate` says which digits it draws: the
    share the project's classifier reads as each digit, the rarest one as the headline."""
    from train.cli import main

    out = tmp_path / "run"
    assert main(["dcgan", "--data", "mnist", "--data-limit", "64", "--max-steps", "2", "--width", "8", "--quiet",
                 "--out", str(out)]) == 0
    assert main(["evaluate", str(out), "--samples", "30"]) == 0
    shares = json.loads((out / "config.json").read_text())["metrics"]["smallest class share"]
    assert list(shares["per_class"]) == [str(digit) for digit in range(10)]
    assert sum(shares["per_class"].values()) == pytest.approx(1.0, abs=1e-3)
    assert shares["value"] == min(shares["per_class"].values())
    assert "| share |" in (out / "README.md").read_text()


def test_a_run_continues_a_trained_model_from_its_generator_and_detective(tmp_path, capsys):
    """--init-from: the new run's G and D start as the trained ones (not fresh ones), its card keeps the command
    that made them, and a checkpoint of another width or kind is refused, naming what differs."""
    from train.cli import build_parser, main

    digits = ["--data", "mnist", "--data-limit", "64", "--device", "cpu", "--quiet"]
    tiny = [*digits, "--width", "8"]
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["dcgan", *tiny, "--max-steps", "2", "--out", str(first)]) == 0
    trained = gan_demo.load(str(first))

    args = build_parser().parse_args(["dcgan", *tiny, "--init-from", str(first), "--out", str(second)])
    DCGANTask.validate(args)
    torch.manual_seed(1)
    task = DCGANTask.from_args(args, DCGANTask.load_data(args))
    for network, source in ((task.generator, trained.module), (task.networks["D"], trained.discriminator)):
        started, saved = network.state_dict(), source.state_dict()
        assert started.keys() == saved.keys()
        assert all(torch.equal(started[key], saved[key]) for key in saved)
    args.init_from = None
    fresh = DCGANTask.from_args(args, DCGANTask.load_data(args))
    assert not torch.equal(fresh.generator.main[0].weight, trained.module.main[0].weight)

    assert main(["dcgan", *tiny, "--max-steps", "1", "--init-from", str(first), "--out", str(second)]) == 0
    stages = json.loads((second / "config.json").read_text())["training"]["earlier_stages"]
    assert [stage["role"] for stage in stages] == ["starting weights"]
    assert f"--out {first}" in stages[0]["command"] and stages[0]["steps"] == 2
    assert "starting weights: `python -m train dcgan" in (second / "README.md").read_text()
    shutil.rmtree(first)  # a resume needs only its own run folder
    assert main(["dcgan", *tiny, "--init-from", str(first), "--out", str(second), "--resume", "--max-steps", "2"]) == 0
    assert json.loads((second / "config.json").read_text())["training"]["earlier_stages"] == stages

    capsys.readouterr()
    assert main(["dcgan", *digits, "--width", "16", "--init-from", str(second), "--out", str(tmp_path / "w")]) == 2
    assert "not this architecture (main.0.weight" in capsys.readouterr().err
    assert main(["cgan", *tiny, "--init-from", str(second), "--out", str(tmp_path / "c")]) == 2
    assert "a dcgan checkpoint, not cgan" in capsys.readouterr().err
