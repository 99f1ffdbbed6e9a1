"""p50 / p95 latency of every main endpoint through raw HTTP (as the browser calls it), beside the model-only
time of the same work, so the framework's share is visible.  Usage: python -m bench.latency [--calls 50]"""
from __future__ import annotations

import argparse
import os
import platform
import time

import torch

from .http_calls import bench_emoji, bench_photo, call, mixed_requests, percentile, running_app, sketch_image


def model_only_seconds(endpoint: str, arguments: list, calls: int) -> list[float]:
    """The library call behind an endpoint, timed alone (models already loaded)."""
    import gan_demo
    from gan_demo.sketch import prepare_drawing

    model = gan_demo.load(arguments[0])
    sketch, emoji, photo = sketch_image(), bench_emoji(), bench_photo()  # made once: only the model work is timed
    work = {
        "pix2pix_translate": lambda: model.translate(prepare_drawing(sketch, model.image_size)),
        "infogan_sample": lambda: model.generate(1, seed=3, category=1, continuous=[0.5, 0.0]),
        "style_mix": lambda: model.mix(1, 2, layers=(0, 3)),
        "cyclegan_translate": lambda: model.translate(emoji, direction="AtoB"),
        "superres": lambda: model.upscale(photo),
    }.get(endpoint, lambda: model.generate(1, seed=3, labels="7" if model.classes else None))
    work()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=50)
    args = parser.parse_args()
    with running_app() as app:
        import psutil

        time.sleep(5)  # the app answers before its background start-up work (Train tab data) is done
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch "
              f"{torch.__version__}; cold start (python app.py to first answer) {app.start_seconds:.1f} s, "
              f"server resident memory {psutil.Process(app.pid).memory_info().rss / 2**20:.0f} MB")
        print(f"{'endpoint':<20}{'HTTP p50 ms':>12}{'HTTP p95 ms':>12}{'model p50 ms':>14}{'overhead ms':>13}")
        for endpoint, arguments in mixed_requests(app.url):
            for _ in range(10):
                call(app.url, endpoint, arguments)  # warm-up
            http = []
            for _ in range(args.calls):
                ok, output, seconds = call(app.url, endpoint, arguments)
                if not ok:
                    raise SystemExit(f"{endpoint} failed: {output}")
                http.append(seconds)
            model = model_only_seconds(endpoint, arguments, args.calls)
            p50, p95, m50 = percentile(http, 50) * 1e3, percentile(http, 95) * 1e3, percentile(model, 50) * 1e3
            print(f"/{endpoint:<19}{p50:>12.1f}{p95:>12.1f}{m50:>14.1f}{p50 - m50:>13.1f}")


if __name__ == "__main__":
    main()
