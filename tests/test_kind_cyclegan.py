import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

import gan_demo
from gan_demo.kinds.cyclegan import CycleGANConfig, CycleGANDiscriminators, CycleGANGenerators
from kind_conformance import KindConformance
from train.data.unpaired import UnpairedData
from train.loop import fit
from train.options import TrainOptions
from train.tasks.cyclegan import CycleGANTask, ImagePool


def tiny_config():
    return CycleGANConfig(base_width=4, residual_blocks=2, image_size=16, domains=["sketch", "paint"], disc_width=4,
                          disc_layers=2)


def tiny_unpaired(n_a: int = 8, n_b: int = 6, size: int = 16) -> UnpairedData:
    """Dark images in A, light ones in B: a task a few steps can start to learn."""
    rng = torch.Generator().manual_seed(0)
    a = torch.randint(0, 100, (n_a, 3, size, size), generator=rng, dtype=torch.uint8)
    b = torch.randint(155, 256, (n_b, 3, size, size), generator=rng, dtype=torch.uint8)
    return UnpairedData(a, b, ("dark", "light"), source="random test images")


class TestCycleGANConformance(KindConformance):
    kind = "cyclegan"

    def tiny_config(self):
        return tiny_config()

    def outputs(self, model, seed):
        pixels = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        return model.translate_tensor(pixels, "AtoB")

    def tiny_task(self, config):
        return CycleGANTask(config, CycleGANGenerators(config), CycleGANDiscriminators(config))

    def tiny_data(self):
        return tiny_unpaired()


def reference_resnet_generator(in_channels=3, out_channels=3, ngf=8, blocks=3) -> nn.Module:
    """Built from the reference's documented layout (``model`` = pad, 7x7 conv, norm, ReLU, two stride-2 convs,
    residual blocks with ``conv_block`` = pad, conv, norm, ReLU, pad, conv, norm, two transposed convs, pad, 7x7
    conv, tanh), independently of the library's classes."""
    class Block(nn.Module):
        def __init__(self, width):
            super().__init__()
            self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(width, width, 3),
                                            nn.InstanceNorm2d(width), nn.ReLU(True), nn.ReflectionPad2d(1),
                                            nn.Conv2d(width, width, 3), nn.InstanceNorm2d(width))

        def forward(self, x):
            return x + self.conv_block(x)

    class Reference(nn.Module):
        def __init__(self):
            super().__init__()
            layers = [nn.ReflectionPad2d(3), nn.Conv2d(in_channels, ngf, 7), nn.InstanceNorm2d(ngf), nn.ReLU(True),
                      nn.Conv2d(ngf, ngf * 2, 3, 2, 1), nn.InstanceNorm2d(ngf * 2), nn.ReLU(True),
                      nn.Conv2d(ngf * 2, ngf * 4, 3, 2, 1), nn.InstanceNorm2d(ngf * 4), nn.ReLU(True)]
            layers += [Block(ngf * 4) for _ in range(blocks)]
            layers += [nn.ConvTranspose2d(ngf * 4, ngf * 2, 3, 2, 1, output_padding=1), nn.InstanceNorm2d(ngf * 2),
                       nn.ReLU(True), nn.ConvTranspose2d(ngf * 2, ngf, 3, 2, 1, output_padding=1),
                       nn.InstanceNorm2d(ngf), nn.ReLU(True), nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_channels, 7),
                       nn.Tanh()]
            self.model = nn.Sequential(*layers)

        def forward(self, x):
            return self.model(x)

    torch.manual_seed(1)
    reference = Reference().eval()
    with torch.no_grad():
        for parameter in reference.parameters():
            parameter.normal_(0, 0.1)
    return reference


@pytest.mark.parametrize("old_statistics", [False, True])
def test_reference_layout_weights_load_and_reproduce_the_output(tmp_path, old_statistics):
    reference = reference_resnet_generator()
    state = reference.state_dict()
    if old_statistics:  # files saved by older reference code carry instance-norm running statistics
        state.update({"model.2.running_mean": torch.zeros(8), "model.2.running_var": torch.ones(8)})
    torch.save(state, tmp_path / "latest_net_G_A.pth")
    model = gan_demo.load(str(tmp_path / "latest_net_G_A.pth"))
    assert model.kind == "cyclegan" and model.directions == ("AtoB",)
    assert (model.config.base_width, model.config.residual_blocks) == (8, 3)
    pixels = torch.rand(1, 3, 32, 48, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        expected = reference(pixels)
    assert torch.allclose(model.translate_tensor(pixels, "AtoB"), expected, atol=1e-4)
    with pytest.raises(ValueError, match="direction must be one of AtoB"):
        model.translate(Image.new("RGB", (32, 32)), direction="BtoA")


@pytest.fixture
def model(tmp_path):
    TestCycleGANConformance().saved(tmp_path / "cycle")
    return gan_demo.load(str(tmp_path / "cycle"))


def test_translate_keeps_the_aspect_ratio_and_takes_any_mode(model):
    assert model.domains == ("sketch", "paint")
    wide = Image.new("RGBA", (40, 20), (255, 0, 0, 128))
    out = model.translate(wide, direction="BtoA")
    assert out.mode == "RGB" and out.size == (16, 8)
    grey = np.zeros((7, 7), np.uint8)
    there, back = model.round_trip(grey, direction="AtoB")
    assert there.size == back.size == (16, 16)


def test_hostile_inputs_give_clear_messages(model):
    with pytest.raises(ValueError, match="direction must be one of"):
        model.translate(Image.new("RGB", (16, 16)), direction="sideways")
    with pytest.raises(ValueError, match="expected a PIL image"):
        model.translate("not an image")
    with pytest.raises(ValueError, match="too large"):
        model.translate(np.zeros((8000, 8000, 3), np.uint8))
    assert model.translate(Image.new("RGB", (1, 1))).size == (16, 16)


def test_the_pool_returns_older_fakes_once_full():
    torch.manual_seed(0)
    pool = ImagePool(4)
    first = torch.arange(4.0)[:, None]
    assert torch.equal(pool.query(first), first)  # filling: every image comes back as it is
    fakes = torch.arange(100.0, 164.0)[:, None]
    swapped = (pool.query(fakes) != fakes).sum().item()
    assert 16 < swapped < 48  # about half come back as an older fake
    assert ImagePool(0).query(first) is first


def test_a_few_steps_learn_to_brighten_a_to_b(tmp_path):
    torch.manual_seed(0)
    config = tiny_config()
    task = CycleGANTask(config, CycleGANGenerators(config), CycleGANDiscriminators(config))
    data = tiny_unpaired()
    dark = (data.a[:4].float() / 127.5 - 1)
    before = task.networks["G"](dark, "AtoB").mean().item()
    options = TrainOptions(epochs=30, batch_size=4, lr_g=2e-3, lr_d=2e-3, ema_decay=0, log_every=1, device="cpu")
    fit(task, data, options, tmp_path, show_progress=False)
    model = gan_demo.load(str(tmp_path))
    after = model.translate_tensor(dark, "AtoB").mean().item()
    assert after > before + 0.3, (before, after)  # A -> B images move towards B's light pixels
    assert model.domains == ("sketch", "paint") and (tmp_path / "discriminator.safetensors").exists()


def test_a_resumed_run_continues_exactly_with_its_history_pools(tmp_path):
    def run(out, max_steps, resume=False):
        torch.manual_seed(0)
        config = tiny_config()
        task = CycleGANTask(config, CycleGANGenerators(config), CycleGANDiscriminators(config), pool_size=3)
        options = TrainOptions(epochs=2, batch_size=2, max_steps=max_steps, ema_decay=0, device="cpu", log_every=1)
        fit(task, tiny_unpaired(), options, out, resume=resume, show_progress=False)
        return task

    straight = run(tmp_path / "straight", 0)
    run(tmp_path / "split", 3)
    resumed = run(tmp_path / "split", 0, resume=True)
    assert len(resumed.pools["A"].images) == 3
    a, b = gan_demo.load(str(tmp_path / "straight")), gan_demo.load(str(tmp_path / "split"))
    assert all(torch.equal(x, y) for x, y in zip(a.module.state_dict().values(), b.module.state_dict().values()))
    assert all(torch.equal(x, y) for x, y in zip(straight.pools["B"].images, resumed.pools["B"].images))
