"""The shape of the code that lets a new GAN kind land as one module: no import cycles, the library apart from
training, kind names written only where the kind is registered, and a kind added by registration alone."""
import ast
import dataclasses

import pytest
import torch

import gan_demo
from gan_demo import registry
from gan_demo.checkpoints import save_checkpoint
from gan_demo.kinds import dcgan
from import_graph import cycles, import_graph, project_modules


def test_no_import_cycles_counting_imports_inside_functions():
    assert cycles(import_graph()) == []


def test_the_library_outside_the_ui_never_imports_train():
    graph = import_graph()
    offenders = {module: sorted(t for t in targets if t.split(".")[0] == "train")
                 for module, targets in graph.items()
                 if module.split(".")[0] == "gan_demo" and not module.startswith("gan_demo.ui")}
    assert {m: t for m, t in offenders.items() if t} == {}


def test_a_kind_name_is_written_only_in_its_own_module():
    """Everywhere else asks the registry. The app's tab modules keep their link ids (``TAB``), which the first
    release's shared links already use, and the presets name sub-commands inside command lines."""
    names = set(registry.kinds())
    found = []
    for module, path in project_modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        link_ids = {node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == "TAB" for t in node.targets)
                    and isinstance(node.value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in names - link_ids:
                if module != f"gan_demo.kinds.{node.value}":
                    found.append((module, node.value, node.lineno))
    assert found == []


@pytest.fixture
def extra_kind(monkeypatch):
    """A kind registered the way a new module registers one (here reusing the DCGAN networks)."""
    @dataclasses.dataclass
    class WideConfig(dcgan.DCGANConfig):
        pass

    monkeypatch.setattr(registry, "_KINDS", registry.kinds())
    return registry.register(dataclasses.replace(dcgan.SPEC, name="wide-dcgan", title="wide DCGAN",
                                                 config_class=WideConfig))


def test_a_registered_kind_is_loaded_listed_and_trainable_without_other_changes(extra_kind, tmp_path, monkeypatch):
    from train.cli import build_parser

    torch.manual_seed(0)
    config = extra_kind.config_class(image_size=32, channels=3, base_width=8)
    save_checkpoint(tmp_path / "wide", "wide-dcgan", config, extra_kind.generator_class(config),
                    extra_kind.discriminator_class(config))
    model = gan_demo.load(str(tmp_path / "wide"))
    assert model.kind == "wide-dcgan" and model.generate(1, seed=0)[0].size == (32, 32)
    monkeypatch.setenv("GAN_PLAYGROUND_CHECKPOINTS", str(tmp_path))
    assert gan_demo.list_models("wide-dcgan") == ["wide"]
    assert "wide-dcgan" in build_parser().format_help()
