"""A small always-on version of bench/load.py: concurrent clients over raw HTTP, zero failures."""
from bench.http_calls import launch_app
from bench.load import hammer


def test_concurrent_mixed_requests_all_succeed():
    demo, url = launch_app()
    try:
        failures, latencies, errors = hammer(url, clients=6, per_client=5)
    finally:
        demo.close()
    assert failures == 0, errors
    assert len(latencies) == 30
