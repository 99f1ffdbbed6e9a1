"""`python -m gan_demo.deploy OWNER/SPACE`: publish this repository as a Hugging Face Space (Gradio SDK).

    python -m gan_demo.deploy OWNER/SPACE [--hardware cpu|zerogpu] [--private] [--dry-run]

One commit through `huggingface_hub` (no git, no git-lfs needed): the Hub decides per file whether it goes to
LFS/Xet storage. Only the files the app needs are sent (`space_files`): no tests, benchmarks, caches or the
`training/` folders of the checkpoints (resume state, per-epoch samples, loss logs).

What this relies on (read in August 2026):

- huggingface_hub 2.4 `SpaceHardware`: "# ZeroGPU / ZERO_A10G = "zero-a10g"" -- the flavor name is historical,
  it is the ZeroGPU hardware whatever GPU backs it. `create_repo(space_hardware=...)` only applies to a new
  Space, so an existing one is switched with `request_space_hardware` ("It is also possible to request
  hardware directly when creating the Space repo").
- https://huggingface.co/docs/hub/spaces-zerogpu:
  "Currently, ZeroGPU Spaces are exclusively compatible with the **Gradio SDK**.";
  "PyTorch: Almost all versions from 2.8.0 to latest are supported" (full list: 2.8.0, 2.9.1, 2.10.0,
  2.11.0), hence the pins in requirements-zerogpu.txt, which is uploaded as the Space's requirements.txt;
  "Free personal accounts: accounts in good standing (verified email, account older than 30 days) can host
  up to 2 ZeroGPU Spaces for free."
- https://huggingface.co/docs/hub/spaces-overview: "Gradio and Docker Spaces run on compute and require a
  paid plan to create [...] Free personal accounts in good standing can still host up to 2 Gradio Spaces
  running on ZeroGPU." So `--hardware cpu` needs PRO (or a Team/Enterprise organisation); `zerogpu` does not.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HARDWARE = {"cpu": "cpu-basic", "zerogpu": "zero-a10g"}  # our name -> the Hub's hardware flavor
REQUIREMENTS = {"cpu": "requirements.txt", "zerogpu": "requirements-zerogpu.txt"}  # uploaded as requirements.txt
TOP_FILES = {"app.py", "README.md", ".gitattributes"}
CODE_DIRS = {"gan_demo", "train"}
CODE_SUFFIXES = {".py", ".js"}
EXAMPLES = "gan_demo/ui/examples/"
CHECKPOINT_FILES = {"config.json", "README.md", "sample_grid.png"}  # plus every *.safetensors
NEVER_DIRS = {"__pycache__", ".pytest_cache", "tests", "bench", "runs", ".gradio", "flagged", "outputs",
              "training"}


class DeployError(RuntimeError):
    """Deployment cannot go on; the message is the one line the user sees."""


def _candidates(root: Path) -> list[str]:
    """Every file under root git would commit (tracked or untracked, not ignored); a plain walk outside git."""
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "--cached", "--others", "--exclude-standard",
                                 "-z"], capture_output=True, check=True, timeout=60).stdout
        # --cached also lists files deleted (or moved away) in the work tree but not yet in a commit
        return [p for p in listed.decode().split("\0") if p and (root / p).is_file()]
    except (OSError, subprocess.SubprocessError):  # no git, or root is not a git work tree
        found = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in NEVER_DIRS and not d.startswith(".")]
            found += [(Path(folder) / name).relative_to(root).as_posix() for name in files]
        return found


def _wanted(path: str, checkpoint_folders: set[str]) -> bool:
    parts = path.split("/")
    name = parts[-1]
    if path == ".gitattributes":
        return True
    if any(part in NEVER_DIRS or part.startswith(".") for part in parts) or name.endswith(".pyc"):
        return False
    if len(parts) == 1:
        return name in TOP_FILES
    if parts[0] in CODE_DIRS:
        if path.startswith(EXAMPLES):
            return name.endswith(".png") or name == "README.md"
        return Path(name).suffix in CODE_SUFFIXES
    if parts[0] == "checkpoints" and len(parts) == 3 and parts[1] in checkpoint_folders:
        return name in CHECKPOINT_FILES or name.endswith(".safetensors")
    return False


def space_files(root: Path, hardware: str = "cpu") -> list[str]:
    """The Space's files as posix paths relative to `root`, sorted.

    `requirements.txt` is listed when the requirements file for `hardware` exists; for zerogpu its contents
    come from `requirements-zerogpu.txt` (see `local_path`). A checkpoint folder counts when it has a
    `config.json`, and only its top-level files are sent.
    """
    if hardware not in HARDWARE:
        raise ValueError(f"hardware must be one of {sorted(HARDWARE)}, not {hardware!r}")
    candidates = _candidates(Path(root))
    checkpoint_folders = {p.split("/")[1] for p in candidates
                          if p.startswith("checkpoints/") and p.count("/") == 2 and p.endswith("/config.json")}
    selected = {p for p in candidates if _wanted(p, checkpoint_folders)}
    if REQUIREMENTS[hardware] in candidates:
        selected.add("requirements.txt")
    return sorted(selected)


def local_path(root: Path, path_in_space: str, hardware: str) -> Path:
    """Where the Space file comes from: the same path, except requirements.txt, which depends on the hardware."""
    return Path(root) / (REQUIREMENTS[hardware] if path_in_space == "requirements.txt" else path_in_space)


def _token() -> str | None:
    import huggingface_hub

    return os.environ.get("HF_TOKEN") or huggingface_hub.get_token()


def deploy(repo_id: str, hardware: str = "cpu", private: bool = False, root: Path = ROOT) -> str:
    """Create (or reuse) the Space, upload the selected files in one commit; returns the Space's URL."""
    token = _token()
    if not token:
        raise DeployError("no Hugging Face token: set HF_TOKEN or run `hf auth login` (a token with write access)")
    files = space_files(root, hardware)
    if "requirements.txt" not in files:
        raise DeployError(f"{REQUIREMENTS[hardware]} is missing in {root}")

    from huggingface_hub import CommitOperationAdd, HfApi

    api = HfApi(token=token)
    try:
        api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True,
                        space_hardware=HARDWARE[hardware] if hardware == "zerogpu" else None)
        api.create_commit(repo_id, repo_type="space", commit_message=f"Deploy GAN Playground ({hardware})",
                          operations=[CommitOperationAdd(path_in_repo=p,
                                                         path_or_fileobj=str(local_path(root, p, hardware)))
                                      for p in files])
        if hardware == "zerogpu":  # create_repo's space_hardware only applies to a Space it creates
            api.request_space_hardware(repo_id, HARDWARE[hardware])
    except Exception as error:  # offline, refused token, no plan for this hardware, ...: many kinds
        message = " ".join(str(error).split()) or type(error).__name__
        raise DeployError(f"the Hub refused or could not be reached ({type(error).__name__}: {message[:300]})") \
            from None
    return f"https://huggingface.co/spaces/{repo_id}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_demo.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("space", metavar="OWNER/SPACE", help="the Space to create or update")
    parser.add_argument("--hardware", choices=sorted(HARDWARE), default="cpu",
                        help="cpu: CPU Basic (creating one needs a paid plan); zerogpu: ZeroGPU (free accounts: 2)")
    parser.add_argument("--private", action="store_true", help="create the Space private")
    parser.add_argument("--dry-run", action="store_true", help="list the files to upload; change nothing")
    args = parser.parse_args(argv)
    if args.space.count("/") != 1 or not all(args.space.split("/")):
        parser.error(f"expected OWNER/SPACE, got {args.space!r}")  # exits 2
    if args.dry_run:
        print("\n".join(space_files(ROOT, args.hardware)))
        return 0
    try:
        url = deploy(args.space, args.hardware, args.private, root=ROOT)
    except DeployError as error:
        print(f"deploy: {error}", file=sys.stderr)
        return 2
    print(f"deployed: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
