import pytest
import torch

from gan_demo.kinds.cgan import CGANConfig, CGANDiscriminator, CGANGenerator
from helpers import TINY_CONFIGS, tiny_images
from kind_conformance import KindConformance
from train.augment import parse_policy
from train.tasks.image_gan import CGANTask


class TestCGANConformance(KindConformance):
    kind = "cgan"

    def tiny_config(self):
        return TINY_CONFIGS["cgan"]()

    def outputs(self, model, seed):
        return model.generate_tensor(model.sample_z(2, seed), torch.tensor([3, 7]))

    def tiny_task(self, config):
        return CGANTask(config, CGANGenerator(config), CGANDiscriminator(config), augment=parse_policy("translation"),
                        mode_seeking=1.0, auxiliary_weight=1.0)

    def tiny_data(self):
        return tiny_images(8, channels=1, size=28, classes=10)


@pytest.mark.parametrize("label_input", ["projection", "maps"])
def test_shapes_and_label_dependence(label_input):
    config = CGANConfig(image_size=28, channels=1, base_width=8, label_input=label_input)
    generator, discriminator = CGANGenerator(config).eval(), CGANDiscriminator(config).eval()
    z = torch.randn(1, 100).expand(2, -1)
    images = generator(z, torch.tensor([3, 7]))
    assert images.shape == (2, 1, 28, 28)
    assert not torch.allclose(images[0], images[1])  # same z, different label, different image
    scores = discriminator(images[:1].expand(2, -1, -1, -1), torch.tensor([3, 7]))
    assert scores.shape == (2,) and scores[0] != scores[1]


def test_invalid_label_input_is_refused():
    with pytest.raises(ValueError, match="label_input"):
        CGANConfig(label_input="telepathy")
