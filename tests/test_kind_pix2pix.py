import numpy as np
import pytest
import torch

import gan_demo
from gan_demo.kinds.pix2pix import PatchDiscriminator, Pix2PixConfig, UnetGenerator
from gan_demo.translate import SketchTranslator
from helpers import TINY_CONFIGS
from kind_conformance import KindConformance
from reference_layouts import reference_unet
from train.data.pairs import PairData
from train.tasks.pix2pix import Pix2PixTask


class TestPix2PixConformance(KindConformance):
    kind = "pix2pix"

    def tiny_config(self):
        return TINY_CONFIGS["pix2pix"]()

    def outputs(self, model, seed):
        sketches = torch.rand(2, 1, 32, 32, generator=torch.Generator().manual_seed(seed)) * 2 - 1
        return model.translate_tensor(sketches, seed=seed)

    def tiny_task(self, config):
        return Pix2PixTask(config, UnetGenerator(config), PatchDiscriminator(config))

    def tiny_data(self):
        rng = torch.Generator().manual_seed(0)
        return PairData(torch.randint(0, 256, (8, 2, 1, 32, 32), generator=rng, dtype=torch.uint8),
                        torch.randint(0, 256, (8, 3, 32, 32), generator=rng, dtype=torch.uint8), "random pairs")


def test_reference_parameter_counts_and_invalid_norm():
    def count(module):
        return sum(p.numel() for p in module.parameters())

    assert count(UnetGenerator(Pix2PixConfig())) == 54_413_955  # junyanz unet_256, batch norm
    assert count(PatchDiscriminator(Pix2PixConfig())) == 2_768_705  # 70x70 PatchGAN, 6 input channels
    with pytest.raises(ValueError, match="norm"):
        Pix2PixConfig(norm="group")


@pytest.mark.parametrize("batch_norm", [True, False])
def test_reference_weights_load_with_depth_width_and_norm_inferred(tmp_path, batch_norm):
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
