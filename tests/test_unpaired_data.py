"""The unpaired (CycleGAN) data layer: the OpenMoji/Twemoji split rule, reference folders, and the download."""
import functools
import socket
import threading
import zipfile
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch
from PIL import Image

from train.data.core import DataError
from train.data.openmoji import is_flag, is_openmoji_test, openmoji_codes
from train.data.pairs import SKIN_TONE
from train.data.twemoji import twemoji_codes
from train.data.unpaired import (URL_VARIABLE, UnpairedData, all_openmoji_codes, code_key, download_unpaired,
                                 emoji_codes, held_out_keys, load_unpaired)


@pytest.fixture(scope="module")
def code_lists():
    return all_openmoji_codes(), twemoji_codes()


@pytest.mark.parametrize("spellings, key", [
    (("00A9", "a9", "00a9"), "00A9"),
    (("0023-FE0F-20E3", "23-20e3"), "0023-20E3"),
    (("1F3F3-FE0F-200D-1F308", "1f3f3-fe0f-200d-1f308", "1f3f3-200d-1f308"), "1F3F3-200D-1F308"),
    (("2764-FE0F", "2764"), "2764"),
    (("1F44B-1F3FB", "1f44b-1f3fb"), "1F44B-1F3FB"),
])
def test_code_key_puts_both_spellings_on_one_key(spellings, key):
    assert {code_key(spelling) for spelling in spellings} == {key}


def test_code_key_keeps_the_zero_width_joiner():
    assert code_key("1F468-200D-1F469") != code_key("1F468-1F469")


def test_no_train_emoji_is_held_out_in_either_domain(code_lists):
    openmoji, twemoji = code_lists
    held = held_out_keys(openmoji, twemoji)
    a, b = emoji_codes(openmoji, twemoji, "train")
    assert len(a) > 1000 and len(b) > 1000
    assert not {code_key(code) for code in a} & held
    assert not {code_key(code) for code in b} & held
    assert set(a) <= set(openmoji_codes("train"))  # never a code of the project-wide OpenMoji test split
    assert not any(is_flag(code_key(code)) or SKIN_TONE.search(code_key(code)) for code in a + b)


def test_test_split_is_true_pairs_of_held_out_emoji(code_lists):
    openmoji, twemoji = code_lists
    a, b = emoji_codes(openmoji, twemoji, "test")
    keys = [code_key(code) for code in a]
    assert len(keys) > 100 and keys == [code_key(code) for code in b] and len(set(keys)) == len(keys)
    assert set(keys) <= held_out_keys(openmoji, twemoji) and set(a) <= set(openmoji_codes("test"))
    train_a, train_b = emoji_codes(openmoji, twemoji, "train")
    assert not set(keys) & {code_key(code) for code in train_a + train_b}


def test_an_emoji_only_twemoji_draws_is_held_out_by_its_own_key():
    held_key = next(f"{i:04X}" for i in range(0xE000, 0xF000) if is_openmoji_test(f"{i:04X}"))
    kept_key = next(f"{i:04X}" for i in range(0xE000, 0xF000) if not is_openmoji_test(f"{i:04X}"))
    _, b = emoji_codes(["1F600"], [held_key.lower(), kept_key.lower()], "train")
    assert b == [kept_key.lower()]
    assert emoji_codes(["1F600"], [held_key.lower()], "test") == ([], [])


def test_emoji_renders_aligned_test_pairs_on_white_and_caches_them(isolated_cache):
    data = load_unpaired("openmoji-twemoji", 16, "test", limit=3)
    assert data.a.shape == data.b.shape == (3, 3, 16, 16) and data.a.dtype == torch.uint8
    assert data.domains == ("OpenMoji", "Twemoji") and len(data) == 3 and data.image_shape == (3, 16, 16)
    assert "OpenMoji" in data.credit and "CC-BY 4.0" in data.credit and "true pairs" in data.source
    assert (data.b.float().mean(dim=(1, 2, 3)) > 128).all()  # white background, not a black box
    assert (isolated_cache / "openmoji-twemoji-v2-test-16-first3.pt").exists()
    again = load_unpaired("openmoji-twemoji", 16, "test", limit=3)
    assert torch.equal(again.a, data.a) and torch.equal(again.b, data.b)


def test_emoji_train_split_renders_both_piles(isolated_cache):
    data = load_unpaired("openmoji-twemoji", 8, limit=2)
    assert len(data.a) == len(data.b) == 2 and "2 OpenMoji, 2 Twemoji" in data.source


def test_unpaired_data_length_is_the_larger_pile():
    data = UnpairedData(torch.zeros(3, 1, 4, 4, dtype=torch.uint8), torch.zeros(5, 1, 4, 4, dtype=torch.uint8))
    moved = data.to("cpu")
    assert len(data) == 5 and moved.image_shape == (1, 4, 4) and moved.domains == ("A", "B")


def write_unpaired_folder(folder, counts=(("trainA", 3), ("trainB", 2), ("testA", 1), ("testB", 1))):
    for split, count in counts:
        (folder / split).mkdir(parents=True)
        for i in range(count):
            colour = (255, 0, 0) if split.endswith("A") else (0, 0, 255)
            Image.new("RGB", (30, 20), colour).save(folder / split / f"{i}.png")
    return folder


def test_reference_folder_layout_loads_each_split(tmp_path):
    folder = write_unpaired_folder(tmp_path / "horse2zebra")
    train = load_unpaired(str(folder), 8)
    assert train.a.shape == (3, 3, 8, 8) and train.b.shape == (2, 3, 8, 8) and len(train) == 3
    assert train.domains == ("horse", "zebra")
    assert train.a[0, :, 4, 4].tolist() == [255, 0, 0] and train.b[0, :, 4, 4].tolist() == [0, 0, 255]
    test = load_unpaired(str(folder), 8, "test")
    assert len(test.a) == len(test.b) == 1


def test_a_folder_without_the_x2y_form_has_domains_a_and_b_and_a_missing_split_is_named(tmp_path):
    folder = write_unpaired_folder(tmp_path / "mine", (("trainA", 1), ("trainB", 1)))
    assert load_unpaired(str(folder), 8).domains == ("A", "B")
    with pytest.raises(DataError, match="testA"):
        load_unpaired(str(folder), 8, "test")


def test_unknown_names_list_the_choices(tmp_path):
    with pytest.raises(DataError, match="openmoji-twemoji"):
        load_unpaired(str(tmp_path / "nowhere"), 8)
    with pytest.raises(DataError, match="horse2zebra"):
        download_unpaired("horse3zebra", root=tmp_path)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A real HTTP server on 127.0.0.1 serving a folder: (folder, base URL)."""
    folder = tmp_path / "served"
    folder.mkdir()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def zip_folder(source, archive):
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(source.rglob("*.png")):
            zipped.write(path, path.relative_to(source.parent).as_posix())


def closed_port_url():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_download_fetches_unpacks_and_then_reuses_the_dataset(tmp_path, isolated_cache, server, monkeypatch):
    served, url = server
    zip_folder(write_unpaired_folder(tmp_path / "build" / "horse2zebra"), served / "horse2zebra.zip")
    monkeypatch.setenv(URL_VARIABLE, url)
    folder = download_unpaired("horse2zebra")
    assert folder == isolated_cache / "unpaired-datasets" / "horse2zebra"
    assert [p.name for p in folder.parent.iterdir()] == ["horse2zebra"]  # no archive or work folder left
    assert load_unpaired(str(folder), 8).b.shape == (2, 3, 8, 8)
    assert download_unpaired("horse2zebra", base_url=closed_port_url()) == folder  # present: nothing fetched


@pytest.mark.parametrize("member", ["../evil.png", "/tmp/evil.png", "horse2zebra/trainA/../../../evil.png"])
def test_download_refuses_an_archive_with_a_member_outside_the_folder(tmp_path, server, member):
    served, url = server
    with zipfile.ZipFile(served / "horse2zebra.zip", "w") as zipped:
        zipped.writestr("horse2zebra/trainA/0.png", b"")
        zipped.writestr(member, b"")
    root = tmp_path / "data"
    with pytest.raises(DataError, match="outside"):
        download_unpaired("horse2zebra", root=root, base_url=url)
    assert list(root.iterdir()) == [] and not (tmp_path / "evil.png").exists()


def test_download_from_an_unreachable_server_says_what_failed_and_how_to_get_the_data(tmp_path):
    with pytest.raises(DataError, match="could not download .*horse2zebra.zip.* by hand"):
        download_unpaired("horse2zebra", root=tmp_path, base_url=closed_port_url())


def test_download_of_a_missing_archive_is_a_clear_error(tmp_path, server):
    with pytest.raises(DataError, match="could not download .*404"):
        download_unpaired("maps", root=tmp_path / "data", base_url=server[1])
