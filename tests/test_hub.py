"""Hub loading, offline: a local Hub cache in the layout huggingface_hub writes, and the offline error."""
import pytest
import torch

import gan_demo
from gan_demo.hub import HubError
from helpers import make_checkpoint


def fill_hub_cache(cache, repo_id, source):
    """Lay out ``source``'s files as huggingface_hub's cache does (models--owner--name/snapshots/REV)."""
    revision = "0" * 40
    repo = cache / ("models--" + repo_id.replace("/", "--"))
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(revision)
    snapshot = repo / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for file in source.iterdir():
        (snapshot / file.name).write_bytes(file.read_bytes())


def test_repo_id_loads_from_the_local_hub_cache_offline(tmp_path, monkeypatch):
    cache = tmp_path / "hub"
    source = make_checkpoint(tmp_path / "src", "cgan")
    fill_hub_cache(cache, "someone/tiny-cgan", source)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    model = gan_demo.load("someone/tiny-cgan")
    local = gan_demo.load(str(source))
    z = torch.randn(2, 100)
    labels = torch.tensor([1, 2])
    assert torch.equal(model.generate_tensor(z, labels), local.generate_tensor(z, labels))


def test_repo_missing_offline_is_a_clear_error(tmp_path, monkeypatch):
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(HubError, match="not in the local cache"):
        gan_demo.load("nobody/nothing-here")
