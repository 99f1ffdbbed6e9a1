"""Lean Gradio sessions: the fix for per-call latency and memory growth of the HTTP API.

Gradio 6 opens a session for every API call that comes without a session hash (each ``POST
/gradio_api/call/NAME``), and a new session snapshots the config of every component in the app, for the "deep
link" feature (``gr.DeepLinkButton``). With this app's ~150 components that snapshot was half of each call's
server time (profiled with py-spy: 987 of 2,009 samples under ``SessionState.__init__``) and the snapshots of up
to 10,000 kept sessions were the resident memory that grew with every request.

Two things keep them lean. A session keeps no configs at all: not the initial snapshot, nor the config and value
of each component a call reads or writes, which Gradio copies in afterwards (about 29 KB per call, measured with
``bench/load.py``); it keeps its state and the components its events updated. Deep links would lose what they
show, and this app has none (its shareable links are its own URL parameters, see page_state.py). And the session
of a one-off call, which nothing can use once the call is over, is dropped ONE_CALL_SESSIONS calls later instead of
staying among the 10,000 Gradio keeps. The patch is checked against the pinned Gradio version by tests/test_app.py.

Each call also leaves files in Gradio's cache (its outputs and uploads, about 1,200 per 1,000 calls), which
``gr.Blocks(delete_cache=...)`` deletes by age. Gradio 6.31's clean-up iterates over the live sets of cached paths
while request threads add to them, so under traffic it soon dies of "Set changed size during iteration" and never
runs again; ``delete_cached_files`` runs it on copies, and removes the folder Gradio made for each deleted file.
"""
from __future__ import annotations

import contextlib
import os
from collections import deque

from gradio import route_utils, routes, state_holder
from gradio.components import State

# one-off sessions kept: more than can be queued or running at once (gan_demo.ui.QUEUE_OPTIONS), so none is
# dropped before its call has run
ONE_CALL_SESSIONS = 256


class _NoSnapshot:
    """What ``SessionState.__init__`` reads from a Blocks: its default config, and no blocks to snapshot."""

    def __init__(self, blocks):
        self.default_config = blocks.default_config
        self.blocks = {}


class LeanSessionState(state_holder.SessionState):
    def __init__(self, blocks):
        super().__init__(_NoSnapshot(blocks))

    def __setitem__(self, key: int, value) -> None:
        if isinstance(self.blocks_config.blocks.get(key), State):
            super().__setitem__(key, value)
            self.config_values.pop(key, None)
        else:  # a component, or its update: what this session's later events see
            self.blocks_config.blocks[key] = value

    def _update_config(self, key: int) -> None:
        pass

    def _update_value_in_config(self, key: int, value) -> None:
        pass


class LeanStateHolder(state_holder.StateHolder):
    """Gradio's session store, which drops the sessions of one-off calls: a call without a session hash runs in a
    new session named after its event (``Event`` takes its own id as session hash)."""

    def __init__(self):
        super().__init__()
        self.one_call_sessions: deque[str] = deque()

    def __getitem__(self, session_id: str) -> state_holder.SessionState:
        queue = getattr(self.blocks, "_queue", None)
        if session_id not in self.session_data and queue is not None and session_id in queue.event_ids_to_events:
            with self.lock:
                self.one_call_sessions.append(session_id)
                while len(self.one_call_sessions) > ONE_CALL_SESSIONS:
                    self.forget(self.one_call_sessions.popleft(), queue)
        return super().__getitem__(session_id)

    def forget(self, session_id: str, queue) -> None:
        self.delete_state(session_id)
        self.session_data.pop(session_id, None)
        self.time_last_used.pop(session_id, None)
        if not queue.pending_event_ids_session.get(session_id, True):  # Gradio leaves the emptied set behind
            queue.pending_event_ids_session.pop(session_id, None)


_gradio_delete_files = route_utils.delete_files_created_by_app


class _CachedFiles:
    """What Gradio's clean-up reads from a Blocks: its blocks, and copies of its sets of cached paths."""

    def __init__(self, blocks):
        self.blocks = blocks.blocks
        self.temp_file_sets = [set(paths) for paths in blocks.temp_file_sets]  # set(a set): atomic under the GIL


def delete_cached_files(blocks, age: int | None) -> None:
    """Gradio's clean-up of the app's cached files older than ``age`` (all: None), safe under traffic."""
    cached = _CachedFiles(blocks)
    before = [set(paths) for paths in cached.temp_file_sets]
    _gradio_delete_files(cached, age)
    for live, listed, kept in zip(blocks.temp_file_sets, before, cached.temp_file_sets):
        deleted = listed - kept
        live -= deleted
        for path in deleted:
            with contextlib.suppress(OSError):  # the file's own folder, unless something else is in it
                os.rmdir(os.path.dirname(path))


def use_lean_sessions() -> None:
    """Make Gradio's session store open lean sessions and drop those of one-off calls, and its cache clean-up
    survive traffic (idempotent)."""
    state_holder.SessionState = LeanSessionState
    routes.StateHolder = LeanStateHolder
    route_utils.delete_files_created_by_app = delete_cached_files
