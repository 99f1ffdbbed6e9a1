"""One training task per GAN kind (see ``base.Task``); the kind's registration names its task class."""
from __future__ import annotations

import importlib

from gan_demo.registry import kind

from .base import Phase, Task, to_unit_range


def task_class(kind_name: str) -> type[Task]:
    """The task class a kind registered as ``"module.path:ClassName"``."""
    module_name, _, class_name = kind(kind_name).task.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


__all__ = ["Phase", "Task", "task_class", "to_unit_range"]
