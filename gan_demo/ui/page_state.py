"""What a generator tab shows, as URL query parameters (a shared link reopens the same image), and a short
history of seeds for back / forward.

A link looks like ``?tab=cgan&model=mnist-cgan&seed=42&truncation=0.8&label=7&z=0.1,-1.2,...&dir=0,1.5,...``;
every parameter but ``tab`` is optional, and a missing ``z`` means the seed's own coordinates.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlencode

from ..generate import check_seed, check_truncation

HISTORY_LENGTH = 20
SLIDER_LIMIT = 10.0

# replaceState: the address bar follows the image without adding a browser history entry per slider move
WRITE_URL_JS = """(query) => {
    if (query) {
        const url = new URL(window.location.href);
        url.search = query;
        window.history.replaceState(null, "", url);
    }
}"""


@dataclass
class ViewState:
    tab: str
    model: str | None = None
    seed: int = 0
    truncation: float = 1.0
    latent: list[float] | None = None  # the z sliders; None: the seed's own values
    directions: list[float] = field(default_factory=list)
    label: str | None = None


def to_query(state: ViewState) -> str:
    params = {"tab": state.tab, "model": state.model, "seed": state.seed, "truncation": f"{state.truncation:g}",
              "label": state.label}
    if state.latent is not None:
        params["z"] = ",".join(f"{v:g}" for v in state.latent)
    if any(state.directions):
        params["dir"] = ",".join(f"{v:g}" for v in state.directions)
    return urlencode({key: value for key, value in params.items() if value is not None})


def from_query(params: Mapping[str, str], tab: str) -> ViewState | None:
    """The state a link asks ``tab`` to show; None when the link is for another tab (or has no state).
    A malformed value raises ValueError with a sentence for the user."""
    if params.get("tab") != tab:
        return None
    state = ViewState(tab=tab, model=params.get("model"), label=params.get("label"))
    if "seed" in params:
        state.seed = check_seed(whole_number(params["seed"], "seed"))
    if "truncation" in params:
        state.truncation = check_truncation(finite(params["truncation"], "truncation"))
    if "z" in params:
        state.latent = slider_values(params["z"], "z")
    if "dir" in params:
        state.directions = slider_values(params["dir"], "dir")
    return state


def shown(text: str) -> str:
    """A value from a link, safe to echo in a message: short, and without markup characters."""
    return repr(re.sub(r"[^\w .,+-]", "?", text[:40]))


def finite(text: str, name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"the link's {name} is not a number: {shown(text)}") from None
    if not math.isfinite(value):
        raise ValueError(f"the link's {name} is not a finite number: {shown(text)}")
    return value


def whole_number(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"the link's {name} is not a whole number: {shown(text)}")
    return int(text)


def slider_values(text: str, name: str) -> list[float]:
    values = [finite(part, name) for part in text.split(",")[:32]]
    if any(abs(v) > SLIDER_LIMIT for v in values):
        raise ValueError(f"the link's {name} values must lie between -{SLIDER_LIMIT:g} and {SLIDER_LIMIT:g}")
    return values


def new_history() -> dict:
    return {"seeds": [], "at": -1}


def remember(history: dict, seed: int) -> dict:
    """``seed`` becomes the newest entry (dropping any entries after the current one, as a browser does)."""
    seeds = history["seeds"][:history["at"] + 1]
    if not seeds or seeds[-1] != seed:
        seeds = (seeds + [seed])[-HISTORY_LENGTH:]
    return {"seeds": seeds, "at": len(seeds) - 1}


def step(history: dict, offset: int) -> tuple[dict, int | None]:
    """Move ``offset`` entries through the history; the seed there, or None at either end."""
    at = history["at"] + offset
    if not 0 <= at < len(history["seeds"]):
        return history, None
    return {"seeds": history["seeds"], "at": at}, history["seeds"][at]
