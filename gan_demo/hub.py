"""The Hugging Face Hub: a checkpoint folder is a model repo, so up- and download are one call each."""
from __future__ import annotations

import re
from pathlib import Path

REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}$")
CHECKPOINT_FILES = ["config.json", "model.safetensors", "discriminator.safetensors", "README.md", "*.png",
                    "directions.safetensors"]


class HubError(RuntimeError):
    """The Hub could not be reached or refused; the message says what to do."""


def looks_like_repo_id(name: str) -> bool:
    return bool(REPO_ID.match(name)) and ".." not in name


def download_checkpoint(repo_id: str, revision: str | None = None) -> Path:
    """A local folder with the repo's checkpoint files; honours HF_HUB_OFFLINE and the Hub cache."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        return Path(snapshot_download(repo_id, revision=revision,
                                      allow_patterns=CHECKPOINT_FILES + ["*.pth", "*.bin", "*.pt"]))
    except HFValidationError as error:
        raise HubError(f"{repo_id!r} is not a valid Hub repo id ({error})") from None
    except Exception as error:  # offline, 404, gated, ...: the Hub library raises many kinds
        raise HubError(f"could not get {repo_id!r} from the Hugging Face Hub and it is not in the local cache "
                       f"({type(error).__name__}: {error})") from None


def push_checkpoint(folder: Path, repo_id: str, private: bool = False) -> str:
    """Create (or reuse) the model repo and upload the checkpoint files; returns the repo URL."""
    from huggingface_hub import HfApi

    api = HfApi()
    try:
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        api.upload_folder(folder_path=str(folder), repo_id=repo_id, allow_patterns=CHECKPOINT_FILES,
                          commit_message="Upload GAN Playground checkpoint")
    except Exception as error:
        raise HubError(f"could not upload {folder} to {repo_id!r}: {error}. Log in with `hf auth login` or set "
                       "HF_TOKEN, and check the network") from None
    return f"https://huggingface.co/{repo_id}"
