"""Every handler's failures reach the user as one readable sentence, never a traceback."""
from __future__ import annotations

import functools
import inspect
import logging

import gradio as gr

from ..checkpoints import CheckpointError

log = logging.getLogger(__name__)


def user_errors(handler):
    """Turn ValueError / CheckpointError into gr.Error; log anything else and say so plainly.
    Generator handlers (streamed updates) stay generators, so Gradio still streams them."""

    def translated(error: Exception) -> gr.Error:
        if isinstance(error, (ValueError, TypeError, CheckpointError)):
            return gr.Error(str(error), print_exception=False)
        log.error("unexpected error in %s", handler.__name__, exc_info=error)
        return gr.Error("Something went wrong on the server; the error was logged. Please try again.",
                        print_exception=False)

    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def streamed(*args, **kwargs):
            try:
                yield from handler(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as error:
                raise translated(error) from None

        return streamed

    @functools.wraps(handler)
    def wrapped(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as error:
            raise translated(error) from None

    return wrapped


def number(value, name: str) -> float:
    """A finite number from an input box or slider, else a ValueError naming the field."""
    import math

    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)
