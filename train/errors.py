"""Which failures are the user's to fix (one line on stderr) rather than bugs (a traceback)."""
from __future__ import annotations


def is_user_error(error: BaseException) -> bool:
    from gan_demo.checkpoints import CheckpointError
    from gan_demo.hub import HubError

    from .data import DataError
    from .loop import TrainingDiverged

    return isinstance(error, (DataError, TrainingDiverged, CheckpointError, HubError, FileExistsError,
                              FileNotFoundError, ValueError))
