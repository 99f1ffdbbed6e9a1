"""The URL state of a generator tab and the seed history behind the back / forward buttons."""
from urllib.parse import parse_qsl

import pytest

from gan_demo.ui import page_state
from gan_demo.ui.page_state import ViewState


def parsed(query: str) -> dict:
    return dict(parse_qsl(query))


def test_a_view_round_trips_through_the_url_query():
    view = ViewState("cgan", "mnist-cgan", seed=123456789012, truncation=0.75, latent=[0.5, -1.25, 3.0],
                     directions=[0.0, 2.5, -6.0], label="7")
    assert page_state.from_query(parsed(page_state.to_query(view)), "cgan") == view


def test_a_link_with_only_a_seed_leaves_the_rest_at_the_defaults():
    view = page_state.from_query({"tab": "dcgan", "seed": "42"}, "dcgan")
    assert view == ViewState("dcgan", seed=42)
    assert view.latent is None  # the seed's own z


def test_a_link_for_another_tab_or_without_state_restores_nothing():
    assert page_state.from_query({"tab": "cgan", "seed": "1"}, "dcgan") is None
    assert page_state.from_query({}, "dcgan") is None


@pytest.mark.parametrize("params, words", [
    ({"seed": "abc"}, "seed is not a whole number"),
    ({"seed": "-3"}, "seed is not a whole number"),
    ({"seed": str(2**64)}, "seed must be between"),
    ({"truncation": "nan"}, "truncation is not a finite number"),
    ({"truncation": "3"}, "truncation must be between 0 and 1"),
    ({"z": "1,foo"}, "z is not a number"),
    ({"dir": "0,99"}, "dir values must lie between -10 and 10"),
])
def test_a_malformed_link_is_refused_with_a_sentence(params, words):
    with pytest.raises(ValueError, match=words):
        page_state.from_query({"tab": "dcgan", **params}, "dcgan")


def test_the_seed_history_walks_back_and_forward_like_a_browser():
    history = page_state.new_history()
    for seed in (1, 2, 3):
        history = page_state.remember(history, seed)
    history, seed = page_state.step(history, -1)
    assert seed == 2
    history, seed = page_state.step(history, -1)
    assert seed == 1
    assert page_state.step(history, -1)[1] is None  # nothing older
    history, seed = page_state.step(history, +1)
    assert seed == 2
    history = page_state.remember(history, 9)  # a new seed drops the entries after the current one
    assert history["seeds"] == [1, 2, 9]
    assert page_state.step(history, +1)[1] is None
    assert page_state.remember(history, 9) == history  # the same seed again is not a new entry


def test_the_seed_history_keeps_only_the_latest_entries():
    history = page_state.new_history()
    for seed in range(100):
        history = page_state.remember(history, seed)
    assert history["seeds"] == list(range(100 - page_state.HISTORY_LENGTH, 100))


def test_a_hostile_link_is_not_echoed_as_markup():
    with pytest.raises(ValueError) as refused:
        page_state.from_query({"tab": "dcgan", "seed": "<img src=x onerror=alert(1)>"}, "dcgan")
    assert "<" not in str(refused.value) and ">" not in str(refused.value)
