"""Every tensor the app's endpoints build lands on the model's device (ZeroGPU and `GAN_PLAYGROUND_DEVICE=cuda`
serve from a GPU while requests arrive as CPU data). The models sit on PyTorch's "meta" device here, a device
other than the inputs' that any machine has. Every torch operation is checked, as CUDA checks it, for operands
on one device (``OneDevice``), and a hook on every module checks that its inputs are on its own device.
Computing on meta ends when a result is read back as pixels, which is where each call may stop."""
import numpy as np
import pytest
import torch
from PIL import Image
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_leaves

import gan_demo
from helpers import make_checkpoint

META = "meta"


def on_meta(model):
    def same_device(module, inputs):
        device = next(module.parameters()).device
        for tensor in inputs:
            if isinstance(tensor, torch.Tensor):
                assert tensor.device == device, f"{type(module).__name__}: input on {tensor.device}, model on {device}"

    for module in model.module.modules():
        if next(module.parameters(recurse=False), None) is not None:
            module.register_forward_pre_hook(same_device)
    return model.to(META)


class OneDevice(TorchFunctionMode):
    """Refuse any operation mixing a meta tensor with a tensor of another device (CPU scalars of one element
    aside, which CUDA also accepts), the way CUDA refuses to mix CPU and GPU tensors."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        tensors = [t for t in tree_leaves((args, kwargs or {})) if isinstance(t, torch.Tensor) and t.dim() > 0]
        devices = {t.device.type for t in tensors}
        assert not (META in devices and len(devices) > 1), f"{func.__name__} mixes devices {sorted(devices)}"
        return func(*args, **(kwargs or {}))


def reaches_the_readout(call):
    """``call`` runs every operation on one device (else an AssertionError) and fails only reading meta."""
    with OneDevice(), pytest.raises((NotImplementedError, RuntimeError), match="meta"):
        call()


@pytest.fixture
def generators(tmp_path):
    return {kind: on_meta(gan_demo.load(str(make_checkpoint(tmp_path / kind, kind)))) for kind in ("dcgan", "cgan")}


def test_generator_calls_build_their_tensors_on_the_models_device(generators):
    dcgan, cgan = generators["dcgan"], generators["cgan"]
    reaches_the_readout(lambda: dcgan.generate(2, seed=0, truncation=0.7))
    reaches_the_readout(lambda: dcgan.generate(z=torch.zeros(1, dcgan.latent_dim)))  # the latent sliders' path
    reaches_the_readout(lambda: cgan.generate(2, seed=0, labels=["3", "7"]))
    reaches_the_readout(lambda: cgan.generate_tensor(cgan.sample_z(10, 0), torch.arange(10)).cpu())  # the grid
    reaches_the_readout(lambda: cgan.blend_labels("1", "8", seed=3, frames=4))  # /interpolate_labels, "Morph"


def test_the_detective_judges_on_its_own_device(generators):
    drawing = Image.fromarray(np.full((64, 64), 255, np.uint8))
    for model in generators.values():
        assert next(model.discriminator.parameters()).device.type == META  # loaded lazily, onto the model's device
    reaches_the_readout(lambda: generators["cgan"].realness(drawing, "7"))
    reaches_the_readout(lambda: generators["dcgan"].realness(drawing))


def test_translators_move_the_drawing_to_the_models_device(tmp_path):
    translator = on_meta(gan_demo.load(str(make_checkpoint(tmp_path / "p2p", "pix2pix"))))
    reaches_the_readout(lambda: translator.translate(Image.new("RGB", (50, 30), "white")))


def test_directions_move_with_the_latents(tmp_path):
    from train.cli import main

    folder = make_checkpoint(tmp_path / "dcgan", "dcgan")
    assert main(["directions", str(folder), "--count", "2", "--samples", "200"]) == 0
    model = on_meta(gan_demo.load(str(folder)))
    z = model.sample_z(1, 0).to(META)
    assert model.directions.apply(z, [1.0, -1.0]).device.type == META
