"""A small always-on version of bench/load.py: concurrent clients over raw HTTP, zero failures."""
from bench.http_calls import running_app
from bench.load import hammer


def test_concurrent_mixed_requests_all_succeed():
    with running_app() as app:
        failures, latencies, errors = hammer(app.url, clients=6, per_client=5)
        server_said = app.last_words() if failures else ""
    assert failures == 0, (errors, server_said)
    assert len(latencies) == 30
