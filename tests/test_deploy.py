"""`python -m gan_demo.deploy`: which files a Space gets, which requirements, and what is asked of the Hub.

Offline: every HfApi method that would reach the network is replaced, by a failing guard or a recording fake.
"""
import os
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import HfApi, SpaceHardware

from gan_demo import deploy

ROOT = Path(__file__).resolve().parent.parent
NETWORK_METHODS = ["create_repo", "create_commit", "upload_folder", "upload_file", "request_space_hardware",
                   "whoami", "list_repo_files", "get_space_runtime", "repo_info"]
ZEROGPU_TORCH = {"2.8.0", "2.9.1", "2.10.0", "2.11.0"}  # https://huggingface.co/docs/hub/spaces-zerogpu


@pytest.fixture
def no_network(monkeypatch):
    """Any HfApi call that would go to the Hub fails the test."""
    def forbidden(name):
        def call(*args, **kwargs):
            raise AssertionError(f"HfApi.{name} was called")
        return call
    for name in NETWORK_METHODS:
        monkeypatch.setattr(HfApi, name, forbidden(name))


@pytest.fixture
def hub_calls(monkeypatch):
    """Recording fakes for the HfApi methods deploy uses; the others fail the test."""
    calls = []

    def recorder(name):
        def call(self, *args, **kwargs):
            calls.append((name, self.token, args, kwargs))
        return call
    for name in NETWORK_METHODS:
        monkeypatch.setattr(HfApi, name, recorder(name))
    return calls


def _write(root: Path, path: str, content: bytes = b"x") -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_bytes(content)


SPACE = sorted([".gitattributes", "README.md", "app.py", "requirements.txt",
         "checkpoints/x/README.md", "checkpoints/x/config.json", "checkpoints/x/discriminator.safetensors",
         "checkpoints/x/model.safetensors", "checkpoints/x/sample_grid.png",
         "gan_demo/__init__.py", "gan_demo/ui/canvas.js", "gan_demo/ui/examples/README.md",
         "gan_demo/ui/examples/a.png", "gan_demo/ui/tab.py", "train/__main__.py", "train/cli.py"])
NOT_SPACE = ["requirements-test.txt", "pyproject.toml", ".env", ".ci/run", ".git-credentials",
             "gan_demo/__pycache__/a.cpython-311.pyc", "gan_demo/notes.txt", "gan_demo/ui/examples/notes.txt",
             "train/__pycache__/cli.cpython-311.pyc", "train/stray.pyc",
             "checkpoints/x/training/state.pt", "checkpoints/x/training/losses.csv",
             "checkpoints/x/training/run.json", "checkpoints/x/training/samples/epoch_001.png",
             "checkpoints/x/notes.txt", "checkpoints/no-config/model.safetensors",
             "tests/test_app.py", "bench/latency.py", "runs/r1/log.txt", "outputs/a.png", "flagged/log.csv",
             ".gradio/certificate.pem", ".pytest_cache/README.md", "gan_demo/.pytest_cache/v/x"]


@pytest.fixture
def tree(tmp_path):
    """A minimal copy of the repository's layout, with everything a Space must not get."""
    for path in SPACE + NOT_SPACE:
        _write(tmp_path, path)
    _write(tmp_path, ".gitattributes", (ROOT / ".gitattributes").read_bytes())
    _write(tmp_path, "requirements.txt", (ROOT / "requirements.txt").read_bytes())
    _write(tmp_path, "requirements-zerogpu.txt", (ROOT / "requirements-zerogpu.txt").read_bytes())
    return tmp_path


def _requirements(path: Path) -> dict[str, str]:
    """name -> the whole requirement line, comments left out."""
    lines = [line.strip() for line in path.read_text().splitlines()]
    return {line.split("==")[0].split(">=")[0].strip().lower(): line for line in lines
            if line and not line.startswith("#")}


def test_selection_of_a_plain_folder(tree, no_network):
    assert deploy.space_files(tree, "cpu") == SPACE
    assert deploy.space_files(tree, "zerogpu") == SPACE  # the same names; requirements.txt's contents differ


def test_selection_honours_gitignore_in_a_work_tree(tree, no_network):
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    (tree / ".gitignore").write_text("gan_demo/ui/secret_*.py\ncheckpoints/x/sample_grid.png\n")
    _write(tree, "gan_demo/ui/secret_keys.py")
    files = deploy.space_files(tree, "cpu")  # untracked but not ignored files count: no `git add` needed
    assert files == [p for p in SPACE if p != "checkpoints/x/sample_grid.png"]
    assert ".gitignore" not in files


def test_selection_needs_the_requirements_of_the_hardware(tree, no_network):
    (tree / "requirements-zerogpu.txt").unlink()
    assert "requirements.txt" in deploy.space_files(tree, "cpu")
    assert "requirements.txt" not in deploy.space_files(tree, "zerogpu")
    with pytest.raises(ValueError):
        deploy.space_files(tree, "t4-small")


def test_dry_run_of_this_repository(monkeypatch, capsys, no_network):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    assert deploy.main(["owner/space", "--dry-run", "--hardware", "zerogpu"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == sorted(set(listed))
    assert {"app.py", "README.md", ".gitattributes", "gan_demo/deploy.py"} <= set(listed)
    assert listed.count("requirements.txt") == 1 and "requirements-zerogpu.txt" not in listed
    shipped = sorted(p.parent.name for p in ROOT.glob("checkpoints/*/config.json"))
    assert shipped
    for name in shipped:
        assert f"checkpoints/{name}/config.json" in listed
        if (ROOT / "checkpoints" / name / "model.safetensors").is_file():
            assert f"checkpoints/{name}/model.safetensors" in listed
    assert any(p.startswith("gan_demo/ui/examples/") and p.endswith(".png") for p in listed)
    assert any(p.startswith("train/") and p.endswith(".py") for p in listed)
    for path in listed:
        assert (ROOT / path).is_file(), path
        assert "/training/" not in path and "__pycache__" not in path and not path.endswith(".pyc")
        assert not path.startswith(("tests/", "bench/", "runs/", "outputs/", "flagged/", ".gradio/", ".ci/"))


def test_dry_run_from_the_command_line_needs_no_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    env.update(HF_HOME=str(tmp_path), HF_HUB_OFFLINE="1")  # no saved login either
    run = subprocess.run([sys.executable, "-m", "gan_demo.deploy", "owner/space", "--dry-run"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == deploy.space_files(ROOT, "cpu")


def test_requirements_per_hardware(tree):
    assert deploy.local_path(tree, "requirements.txt", "cpu") == tree / "requirements.txt"
    assert deploy.local_path(tree, "requirements.txt", "zerogpu") == tree / "requirements-zerogpu.txt"
    assert deploy.local_path(tree, "app.py", "zerogpu") == tree / "app.py"

    cpu = _requirements(ROOT / "requirements.txt")
    zero = _requirements(ROOT / "requirements-zerogpu.txt")
    assert "spaces" in zero and "spaces" not in cpu
    torch_version = zero["torch"].split("==")[1]
    assert torch_version in ZEROGPU_TORCH and torch_version == max(ZEROGPU_TORCH, key=lambda v: tuple(
        map(int, v.split("."))))
    assert zero["torchvision"].startswith("torchvision==")
    assert {name: line for name, line in zero.items() if name not in {"torch", "torchvision", "spaces"}} == \
        {name: line for name, line in cpu.items() if name not in {"torch", "torchvision"}}
    assert "spaces-zerogpu" in (ROOT / "requirements-zerogpu.txt").read_text().splitlines()[1]


@pytest.mark.parametrize("hardware", ["cpu", "zerogpu"])
def test_refuses_without_a_token(hardware, monkeypatch, capsys, no_network):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    assert deploy.main(["owner/space", "--hardware", hardware]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and "token" in err and "HF_TOKEN" in err


def test_bad_space_name_is_a_usage_error(no_network, capsys):
    with pytest.raises(SystemExit) as exit_:
        deploy.main(["just-a-name", "--dry-run"])
    assert exit_.value.code == 2 and "OWNER/SPACE" in capsys.readouterr().err


def test_offline_is_one_line_and_exit_2(tree, monkeypatch, capsys, hub_calls):
    def unreachable(self, *args, **kwargs):
        raise ConnectionError("Failed to resolve 'huggingface.co'\n([Errno -3] Temporary failure in name resolution)")
    monkeypatch.setattr(HfApi, "create_repo", unreachable)
    monkeypatch.setenv("HF_TOKEN", "hf_test")
    monkeypatch.setattr(deploy, "ROOT", tree)
    assert deploy.main(["owner/space"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert "could not be reached" in err and "huggingface.co" in err
    assert hub_calls == []  # nothing uploaded after the failure


@pytest.mark.parametrize("hardware,private", [("cpu", False), ("zerogpu", True)])
def test_creates_the_space_and_uploads_exactly_the_selection(tree, hardware, private, monkeypatch, capsys,
                                                             hub_calls):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: "hf_saved_login")
    monkeypatch.setattr(deploy, "ROOT", tree)
    argv = ["owner/space", "--hardware", hardware] + (["--private"] if private else [])
    assert deploy.main(argv) == 0
    assert capsys.readouterr().out.strip() == "deployed: https://huggingface.co/spaces/owner/space"

    names = [name for name, *_ in hub_calls]
    assert names == ["create_repo", "create_commit"] + (["request_space_hardware"] if hardware == "zerogpu" else [])
    assert all(token == "hf_saved_login" for _, token, _, _ in hub_calls)

    _, _, args, kwargs = hub_calls[0]
    assert args == ("owner/space",)
    assert kwargs["repo_type"] == "space" and kwargs["space_sdk"] == "gradio"
    assert kwargs["exist_ok"] is True and kwargs["private"] is private
    assert kwargs["space_hardware"] == ("zero-a10g" if hardware == "zerogpu" else None)

    _, _, args, kwargs = hub_calls[1]
    assert args == ("owner/space",) and kwargs["repo_type"] == "space"
    operations = {op.path_in_repo: Path(op.path_or_fileobj) for op in kwargs["operations"]}
    assert sorted(operations) == SPACE == deploy.space_files(tree, hardware)
    expected_requirements = "requirements-zerogpu.txt" if hardware == "zerogpu" else "requirements.txt"
    assert operations["requirements.txt"] == tree / expected_requirements
    assert all(local == tree / path for path, local in operations.items() if path != "requirements.txt")
    uploaded = _requirements(operations["requirements.txt"])
    assert ("spaces" in uploaded) is (hardware == "zerogpu")

    if hardware == "zerogpu":
        _, _, args, kwargs = hub_calls[2]
        assert args == ("owner/space", SpaceHardware.ZERO_A10G)
