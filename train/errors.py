"""Which failures are the user's to fix (one line on stderr) rather than bugs (a traceback)."""
from __future__ import annotations

from gan_demo.checkpoints import CheckpointError
from gan_demo.hub import HubError

from .data.core import DataError


class UsageError(ValueError):
    """A command line that cannot mean anything: raised by validation only, so a real bug keeps its traceback."""


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the last good checkpoint is kept."""


def is_user_error(error: BaseException) -> bool:
    return isinstance(error, (UsageError, DataError, TrainingDiverged, CheckpointError, HubError))
