import numpy as np
import pytest
import torch

import gan_demo
from gan_demo.models import (CGANConfig, CGANDiscriminator, CGANGenerator, DCGANConfig, DCGANDiscriminator,
                             DCGANGenerator, PatchDiscriminator, Pix2PixConfig, UnetGenerator)
from reference_layouts import huggan_generator, pytorch_examples_generator, reference_unet


def count(module):
    return sum(p.numel() for p in module.parameters())


@pytest.mark.parametrize("size", [28, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_dcgan_generator_and_discriminator_shapes(size, channels):
    config = DCGANConfig(image_size=size, channels=channels, base_width=8)
    images = DCGANGenerator(config)(torch.randn(5, 100))
    assert images.shape == (5, channels, size, size)
    assert images.min() >= -1 and images.max() <= 1
    assert DCGANDiscriminator(config)(images).shape == (5,)


@pytest.mark.parametrize("label_input", ["projection", "maps"])
def test_cgan_shapes_and_label_dependence(label_input):
    config = CGANConfig(image_size=28, channels=1, base_width=8, label_input=label_input)
    generator, discriminator = CGANGenerator(config).eval(), CGANDiscriminator(config).eval()
    z = torch.randn(1, 100).expand(2, -1)
    images = generator(z, torch.tensor([3, 7]))
    assert images.shape == (2, 1, 28, 28)
    assert not torch.allclose(images[0], images[1])  # same z, different label, different image
    scores = discriminator(images[:1].expand(2, -1, -1, -1), torch.tensor([3, 7]))
    assert scores.shape == (2,) and scores[0] != scores[1]


def test_reference_parameter_counts():
    assert count(DCGANGenerator(DCGANConfig())) == 3_576_704  # pytorch/examples, nc = 3
    assert count(UnetGenerator(Pix2PixConfig())) == 54_413_955  # junyanz unet_256, batch norm
    assert count(PatchDiscriminator(Pix2PixConfig())) == 2_768_705  # 70x70 PatchGAN, 6 input channels


def test_invalid_configs_are_refused():
    with pytest.raises(ValueError, match="image_size"):
        DCGANConfig(image_size=48)
    with pytest.raises(ValueError, match="label_input"):
        CGANConfig(label_input="telepathy")
    with pytest.raises(ValueError, match="norm"):
        Pix2PixConfig(norm="group")


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


@pytest.mark.parametrize("batch_norm", [True, False])
def test_reference_pix2pix_weights_load_with_depth_width_and_norm_inferred(tmp_path, batch_norm):
    reference = reference_unet(num_downs=6, ngf=8, batch_norm=batch_norm)
    for module in reference.modules():  # non-trivial batch-norm statistics
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    torch.save(reference.state_dict(), tmp_path / "latest_net_G.pth")
    model = gan_demo.load(str(tmp_path / "latest_net_G.pth"))
    config = model.config
    assert (config.depth, config.base_width, config.norm) == (6, 8, "batch" if batch_norm else "instance")
    assert config.inference_mode == "paper"
    images = torch.rand(2, 3, 64, 64) * 2 - 1
    reference.train()  # the reference test script: dropout and batch statistics at test time
    torch.manual_seed(5)
    with torch.no_grad():
        expected = reference(images)
    assert torch.allclose(model.translate_tensor(images, seed=5), expected, atol=1e-5)


def test_paper_mode_is_seeded_and_leaves_running_statistics_untouched():
    from gan_demo.translate import SketchTranslator

    config = Pix2PixConfig(depth=6, base_width=4, image_size=64)
    translator = SketchTranslator("t", {"kind": "pix2pix"}, UnetGenerator(config).eval(), None)
    before = {k: v.clone() for k, v in translator.module.state_dict().items() if "running" in k}
    images = torch.rand(1, 3, 64, 64) * 2 - 1
    first, again = translator.translate_tensor(images, seed=1), translator.translate_tensor(images, seed=1)
    other = translator.translate_tensor(images, seed=2)
    assert torch.equal(first, again)
    assert not torch.equal(first, other)  # dropout noise differs between seeds
    after = translator.module.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not translator.module.training


def test_mirror_average_is_the_mean_of_the_output_and_the_mirrored_inputs_mirrored_output():
    from gan_demo.translate import SketchTranslator

    torch.manual_seed(0)
    config = Pix2PixConfig(depth=5, base_width=4, image_size=32, norm="batch", inference_mode="eval",
                           mirror_average=True)
    module = UnetGenerator(config).eval()
    translator = SketchTranslator("t", {"kind": "pix2pix"}, module, None)
    images = torch.rand(2, 3, 32, 32) * 2 - 1
    with torch.no_grad():
        expected = (module(images) + module(images.flip(-1)).flip(-1)) / 2
        assert not torch.allclose(expected, module(images), atol=1e-3)  # the views really differ
    assert torch.allclose(translator.translate_tensor(images), expected, atol=1e-6)
    image = translator.translate(np.full((20, 30), 255, np.uint8))  # the PIL path runs it too
    assert image.size[0] == 32 and abs(image.size[1] - 32 * 20 / 30) <= 1
