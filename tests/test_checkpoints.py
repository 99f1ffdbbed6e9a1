import json
import pickle

import pytest
import torch

import gan_demo
from gan_demo import CheckpointError
from gan_demo.checkpoints import load_generator, save_checkpoint
from gan_demo.kinds.dcgan import DCGANGenerator
from helpers import TINY_CONFIGS, make_checkpoint


def test_round_trip_rebuilds_the_same_generator(tmp_path):
    folder = make_checkpoint(tmp_path / "tiny", "cgan")
    model = gan_demo.load(str(folder))
    again = gan_demo.load(str(folder))
    z = torch.randn(4, 100)
    labels = torch.tensor([0, 3, 7, 9])
    assert torch.equal(model.generate_tensor(z, labels), again.generate_tensor(z, labels))
    assert model.classes == [str(i) for i in range(10)]


def test_half_weights_keep_a_tensor_beyond_fp16_range_in_fp32(tmp_path):
    """A batch-norm variance of 1e6 would become infinity in fp16 and the file would not load."""
    torch.manual_seed(0)
    config = TINY_CONFIGS["dcgan"]()
    generator = DCGANGenerator(config).eval()
    norm = next(m for m in generator.modules() if isinstance(m, torch.nn.BatchNorm2d))
    norm.running_var.fill_(1e6)
    save_checkpoint(tmp_path / "half", "dcgan", config, generator, half=True)
    loaded = gan_demo.load(str(tmp_path / "half")).module
    loaded_norm = next(m for m in loaded.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert torch.equal(loaded_norm.running_var, norm.running_var)
    assert torch.allclose(loaded_norm.weight, norm.weight, atol=1e-3)  # the rest went through fp16


def test_truncated_weights_name_the_file(tmp_path):
    folder = make_checkpoint(tmp_path / "tiny", "dcgan")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    with pytest.raises(CheckpointError, match="model.safetensors.*corrupt or truncated"):
        gan_demo.load(str(folder))


def test_garbage_weights_are_refused(tmp_path):
    folder = make_checkpoint(tmp_path / "tiny", "dcgan")
    (folder / "model.safetensors").write_bytes(b"\x00\x01 definitely not tensors" * 10)
    with pytest.raises(CheckpointError, match="model.safetensors"):
        gan_demo.load(str(folder))


def test_safetensors_header_that_lies_about_shapes_is_refused(tmp_path):
    folder = make_checkpoint(tmp_path / "tiny", "dcgan")
    path = folder / "model.safetensors"
    raw = path.read_bytes()
    header_length = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + header_length])
    name = next(k for k in header if k != "__metadata__" and header[k]["shape"])
    header[name]["shape"] = [dim * 4 for dim in header[name]["shape"]]  # claims more data than it holds
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + header_length:])
    with pytest.raises(CheckpointError, match="model.safetensors"):
        gan_demo.load(str(folder))


def test_weights_of_another_architecture_get_one_clear_error(tmp_path):
    small = make_checkpoint(tmp_path / "small", "dcgan")
    config = json.loads((small / "config.json").read_text())
    config["model"]["base_width"] = 16  # the weights were saved for width 8
    (small / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"model.safetensors: weights do not fit.*shape mismatches"):
        gan_demo.load(str(small))


def test_corrupt_config_names_the_file(tmp_path):
    folder = make_checkpoint(tmp_path / "tiny", "dcgan")
    (folder / "config.json").write_text("{ not json")
    with pytest.raises(CheckpointError, match="config.json"):
        load_generator(folder)


class WritesAFile:
    """Unpickling this would create ``target``: the classic pickle payload."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def test_pickle_payload_in_a_pth_never_runs(tmp_path):
    target = tmp_path / "pwned.txt"
    path = tmp_path / "netG_epoch_1.pth"
    with open(path, "wb") as handle:
        pickle.dump({"main.0.weight": WritesAFile(target)}, handle)
    torch.save({"main.0.weight": WritesAFile(target)}, tmp_path / "evil.pth")
    for file in (path, tmp_path / "evil.pth"):
        with pytest.raises(CheckpointError, match="refused|not a readable"):
            gan_demo.load(str(file))
    assert not target.exists()


def test_unknown_names_are_explained(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_PLAYGROUND_CHECKPOINTS", str(tmp_path))
    make_checkpoint(tmp_path / "only-one", "dcgan")
    assert gan_demo.list_models() == ["only-one"]
    with pytest.raises(CheckpointError, match="only-one"):
        gan_demo.load("no such model")
