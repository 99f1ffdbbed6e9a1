"""Many concurrent clients with mixed requests: failures, p50 / p95, and resident memory growth.
Usage: python -m bench.load [--clients 20 --requests 25 --memory-requests 1000]"""
from __future__ import annotations

import argparse
import itertools
from concurrent.futures import ThreadPoolExecutor

from .http_calls import call, mixed_requests, percentile, running_app


def hammer(url: str, clients: int, per_client: int) -> tuple[int, list[float], list[str]]:
    """(failures, latencies, first error messages) of ``clients`` threads each sending ``per_client`` requests."""
    requests = mixed_requests(url)

    def client(index: int):
        results = []
        for endpoint, arguments in itertools.islice(itertools.cycle(requests), index, index + per_client):
            try:
                results.append(call(url, endpoint, arguments))
            except OSError as error:
                results.append((False, str(error), 0.0))
        return results

    with ThreadPoolExecutor(clients) as pool:
        results = [r for batch in pool.map(client, range(clients)) for r in batch]
    failures = [str(output) for ok, output, _ in results if not ok]
    return len(failures), [seconds for ok, _, seconds in results if ok], failures[:3]


def resident_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25)
    parser.add_argument("--memory-requests", type=int, default=1000)
    args = parser.parse_args()
    with running_app() as app:
        url, server = app.url, app.pid
        failures, latencies, errors = hammer(url, args.clients, args.requests)
        print(f"{args.clients} clients x {args.requests} mixed requests: {failures} failures, "
              f"p50 {percentile(latencies, 50) * 1e3:.0f} ms, p95 {percentile(latencies, 95) * 1e3:.0f} ms")
        for error in errors:
            print("  error:", error)
        hammer(url, 10, 10)
        after_100 = resident_mb(server)
        hammer(url, 10, max(1, (args.memory_requests - 100) // 10))
        after_all = resident_mb(server)
    print(f"server resident memory: {after_100:.0f} MB after 100 requests, {after_all:.0f} MB after "
          f"{args.memory_requests} ({after_all - after_100:+.0f} MB)")

if __name__ == "__main__":
    main()
