"""Gradio patches in gan_demo/ui/sessions.py that the pinned Gradio version needs (no server, no timing)."""
import os
import threading
from types import SimpleNamespace

from gradio import route_utils

from gan_demo.ui import sessions


def test_the_cache_clean_up_survives_paths_added_while_it_runs(tmp_path):
    """Gradio's delete_cache task iterated over the live sets of cached paths, so a request adding one meanwhile
    killed it for good ("Set changed size during iteration")."""
    sessions.use_lean_sessions()
    old = []
    for i in range(2000):
        (tmp_path / str(i)).mkdir()
        (tmp_path / str(i) / "image.png").write_bytes(b"x")
        old.append(str(tmp_path / str(i) / "image.png"))
    paths = set(old)
    stop = threading.Event()

    def add():
        n = 0
        while not stop.is_set() and n < 100_000:
            paths.add(str(tmp_path / f"new-{n}"))
            n += 1

    adder = threading.Thread(target=add)
    adder.start()
    try:
        route_utils.delete_files_created_by_app(SimpleNamespace(blocks={}, temp_file_sets=[paths]), None)
    finally:
        stop.set()
        adder.join()
    assert not any(os.path.exists(path) for path in old)
    assert not any((tmp_path / str(i)).exists() for i in range(2000))  # the folders Gradio made for them too
    assert not paths & set(old)
