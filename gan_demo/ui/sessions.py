"""Lean Gradio sessions: the fix for per-call latency and memory growth of the HTTP API.

Gradio 6 opens a session for every API call that comes without a session hash (each ``POST
/gradio_api/call/NAME``), and a new session snapshots the config of every component in the app, for the "deep
link" feature (``gr.DeepLinkButton``). With this app's ~150 components that snapshot was half of each call's
server time (profiled with py-spy: 987 of 2,009 samples under ``SessionState.__init__``) and the snapshots of up
to 10,000 kept sessions were the resident memory that grew with every request.

Gradio already fills a session's config lazily for the components an event updates; this makes the initial
snapshot empty, so a session costs what it holds. Deep links would lose the components no event has touched,
and this app has none (its shareable links are its own URL parameters, see page_state.py). The patch is checked
against the pinned Gradio version by tests/test_app.py.
"""
from __future__ import annotations

from gradio import state_holder


class _NoSnapshot:
    """What ``SessionState.__init__`` reads from a Blocks: its default config, and no blocks to snapshot."""

    def __init__(self, blocks):
        self.default_config = blocks.default_config
        self.blocks = {}


class LeanSessionState(state_holder.SessionState):
    def __init__(self, blocks):
        super().__init__(_NoSnapshot(blocks))


def use_lean_sessions() -> None:
    """Make Gradio's session store open lean sessions (idempotent)."""
    state_holder.SessionState = LeanSessionState
