"""The documentation runs: the README's Python snippets and every shipped model card's "Use it" snippet are
executed as written (the HTTP client snippet against a launched app), so they cannot drift from the code."""
import re
from pathlib import Path

import pytest
from PIL import Image

import gan_demo
from helpers import launched_app

ROOT = Path(__file__).resolve().parent.parent
PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
README_URL = "http://127.0.0.1:7860/"


def python_blocks(path: Path) -> list[str]:
    return PYTHON_BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app_url():
    with launched_app() as (_, url):
        yield url


def test_the_readme_library_snippet_runs_as_written():
    blocks = [b for b in python_blocks(ROOT / "README.md") if "gan_demo.load" in b]
    assert blocks
    for block in blocks:
        namespace = {}
        exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["colour"].mode == "RGB" and len(namespace["sevens"]) == 8
    assert namespace["photo"].size == (256, 192) and namespace["back"].size == namespace["there"].size


def test_the_readme_http_snippet_runs_against_the_app(app_url):
    blocks = [b for b in python_blocks(ROOT / "README.md") if "Client(" in b]
    assert blocks and all(README_URL in b for b in blocks)
    for block in blocks:
        exec(compile(block.replace(README_URL, app_url), "README.md", "exec"), {})


@pytest.mark.parametrize("name", gan_demo.list_models())
def test_each_shipped_cards_use_it_snippet_runs(name):
    blocks = python_blocks(ROOT / "checkpoints" / name / "README.md")
    assert len(blocks) == 1 and f'gan_demo.load("{name}")' in blocks[0]
    namespace = {}
    exec(compile(blocks[0], f"{name}/README.md", "exec"), namespace)
    made = [value for value in namespace.values() if isinstance(value, Image.Image)
            or (isinstance(value, list) and value and all(isinstance(item, Image.Image) for item in value))]
    assert made, "the snippet makes no image"


def test_the_readme_front_matter_is_a_space_config():
    front = (ROOT / "README.md").read_text(encoding="utf-8").split("---\n")[1]
    fields = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line and not line.startswith(" "))
    for key in ("title", "sdk", "sdk_version", "app_file", "short_description", "python_version", "license"):
        assert key in fields, key
    assert len(fields["short_description"]) <= 60 and fields["app_file"] == "app.py"
    assert (ROOT / fields.get("license_link", "LICENSE")).exists()
