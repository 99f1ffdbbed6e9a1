"""What every registered GAN kind must do, as one class its test file inherits (like diffusers'
``ModelTesterMixin``). A kind's test file sets ``kind`` and ``tiny_config`` and says how to run its model
(``outputs``) and its training task on tiny data (``tiny_task``, ``tiny_data``)."""
from __future__ import annotations

import argparse
import dataclasses

import torch

import gan_demo
from gan_demo.checkpoints import build_config, read_config, save_checkpoint
from gan_demo.registry import kind as kind_spec
from train.cli import build_parser
from train.loop import fit
from train.model_card import render_model_card
from train.options import TrainOptions
from train.tasks import task_class


class KindConformance:
    kind: str  # the registered name

    def tiny_config(self):
        raise NotImplementedError

    def outputs(self, model, seed: int) -> torch.Tensor:
        """The loaded model's output tensor in [-1, 1] for ``seed`` (through its public inference API)."""
        raise NotImplementedError

    def tiny_task(self, config):
        raise NotImplementedError

    def tiny_data(self):
        raise NotImplementedError

    # ---- helpers ----------------------------------------------------------------------------------------------
    @property
    def spec(self):
        return kind_spec(self.kind)

    def saved(self, folder, seed: int = 0):
        torch.manual_seed(seed)
        config = self.tiny_config()
        generator = self.spec.generator_class(config).eval()
        discriminator = self.spec.discriminator_class(config).eval()
        save_checkpoint(folder, self.kind, config, generator, discriminator,
                        {"class_names": getattr(config, "class_names", [])})
        return generator

    # ---- the contract -----------------------------------------------------------------------------------------
    def test_the_kind_is_registered_with_a_task_and_a_cli_command(self):
        spec = self.spec
        assert spec.name == self.kind and spec.view and spec.pipeline_tag
        assert task_class(self.kind).kind == self.kind
        commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
        assert self.kind in commands.choices

    def test_save_load_round_trip_reproduces_the_module(self, tmp_path):
        generator = self.saved(tmp_path / "a")
        model = gan_demo.load(str(tmp_path / "a"))
        assert model.kind == self.kind
        for original, loaded in zip(generator.state_dict().values(), model.module.state_dict().values()):
            assert torch.equal(original, loaded)

    def test_the_same_seed_gives_the_same_output(self, tmp_path):
        self.saved(tmp_path / "a")
        model = gan_demo.load(str(tmp_path / "a"))
        assert torch.equal(self.outputs(model, 3), self.outputs(model, 3))

    def test_output_shape_and_range(self, tmp_path):
        config = self.tiny_config()
        self.saved(tmp_path / "a")
        output = self.outputs(gan_demo.load(str(tmp_path / "a")), 1)
        assert output.dim() == 4 and output.shape[-1] == config.image_size
        assert output.min() >= -1 and output.max() <= 1 and torch.isfinite(output).all()

    def test_the_folder_alone_rebuilds_the_config(self, tmp_path):
        config = self.tiny_config()
        self.saved(tmp_path / "a")
        payload = read_config(tmp_path / "a")
        assert build_config(self.kind, payload["model"], "test") == config
        assert set(payload["model"]) == {field.name for field in dataclasses.fields(config)}

    def test_the_card_renders_from_the_config(self, tmp_path):
        self.saved(tmp_path / "a")
        card = render_model_card("tiny", read_config(tmp_path / "a"), tmp_path / "a")
        assert f"pipeline_tag: {self.spec.pipeline_tag}" in card
        assert self.spec.title in card and 'gan_demo.load("tiny")' in card

    def test_fit_with_default_options_trains_and_saves_a_loadable_folder(self, tmp_path):
        torch.manual_seed(0)
        task = self.tiny_task(self.tiny_config())
        options = TrainOptions(epochs=1, batch_size=4, max_steps=2, device="cpu", log_every=1)
        fit(task, self.tiny_data(), options, tmp_path / "run", show_progress=False)
        model = gan_demo.load(str(tmp_path / "run"))
        assert torch.isfinite(self.outputs(model, 0)).all()
        assert (tmp_path / "run" / "README.md").exists() and (tmp_path / "run" / "sample_grid.png").exists()
