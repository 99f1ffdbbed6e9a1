"""Sustained traffic against a freshly started `python app.py`: failures, latency, and whether the server's
resident memory and temporary files plateau.

The server runs in its own process with its own TMPDIR, so Gradio's temp/cache folder (GRADIO_TEMP_DIR, else
TMPDIR/gradio) and the app's GIF folder (TMPDIR/gan_playground_gifs) hold only this run's files. After a warm-up
of 100 requests come rounds of 1,000 mixed requests from 50 concurrent clients until at least 5,000 requests;
after each round: requests so far, failures, p50 / p95, the server's resident memory (children included), and the
files in the two folders. The mix has an endpoint of every model kind (not /cgan_latent, /pix2pix_upload or
/toy_gan) with a new seed and label per request, uploads (/realness with an image,
/pix2pix_translate with a sketch, /cyclegan_translate with an emoji, /superres with a 128 px photo; every upload a
different file, as different users' are) and file outputs (PNG images, the GIFs of /interpolate and
/interpolate_labels).

Usage: python -m bench.load [--clients 50 --round 1000 --total 5000 --warm-up 100]
       python -m bench.load --total 10000   # long enough to see cached files deleted at 5 minutes of age
"""
from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .http_calls import (
    ROOT,
    bench_emoji,
    bench_photo,
    call,
    marked,
    percentile,
    running_app,
    sketch_payload,
    upload,
)

KINDS = ("dcgan_sample", "dcgan_latent", "interpolate", "realness", "cgan_sample", "cgan_grid",
         "interpolate_labels", "pix2pix_translate", "infogan_sample", "style_mix", "cyclegan_translate", "superres")
MODEL_KINDS = ("dcgan", "cgan", "pix2pix", "infogan", "stylegan", "cyclegan", "srgan")


def judged_image(n: int):
    """A small drawing of a digit-like stroke; ``n`` (up to 2**16) makes it a different file."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(image).line((20, 12, 44, 12, 28, 52), fill=0, width=5)
    return marked(image, n, bits=16)


@functools.cache
def first_models() -> tuple[str, ...]:
    import gan_demo

    return tuple(gan_demo.list_models(kind)[0] for kind in MODEL_KINDS)


def request(url: str, n: int) -> tuple[str, list]:
    """Request number ``n`` of the mix: its endpoint and arguments (uploading its file first, if it has one)."""
    dcgan, cgan, pix2pix, infogan, stylegan, cyclegan, srgan = first_models()
    seed, kind, label = n, KINDS[n % len(KINDS)], n // len(KINDS) % 10  # each kind's turns go through every label
    arguments = {
        "dcgan_sample": lambda: [dcgan, seed, 1.0],
        "dcgan_latent": lambda: [dcgan, seed, 0.9] + [0.5] * 8 + [0.0] * 8,
        "interpolate": lambda: [dcgan, seed, seed + 1, 8],
        "realness": lambda: [dcgan, upload(url, judged_image(n)), ""],
        "cgan_sample": lambda: [cgan, str(label), seed],
        "cgan_grid": lambda: [cgan, seed],
        "interpolate_labels": lambda: [cgan, "1", "7", seed, 8],
        "pix2pix_translate": lambda: [pix2pix, sketch_payload(url, n)],
        "infogan_sample": lambda: [infogan, seed, label, 0.5, -0.5],
        "style_mix": lambda: [stylegan, seed, seed + 1, 0, 3, 1.0],
        "cyclegan_translate": lambda: [cyclegan, upload(url, marked(bench_emoji(), n), "emoji.png"), "AtoB"],
        "superres": lambda: [srgan, upload(url, marked(bench_photo(), n), "photo.png")],
    }[kind]
    return kind, arguments()


def hammer(url: str, clients: int, per_client: int, start: int = 0) -> tuple[int, list[float], list[str]]:
    """(failures, latencies, first error messages) of ``clients`` threads each sending ``per_client`` requests
    of the mix, numbered from ``start``."""
    first_models()  # before the threads: importing gan_demo in 50 threads at once races its registry

    def client(index: int):
        results = []
        for n in range(start + index, start + clients * per_client, clients):
            try:
                endpoint, arguments = request(url, n)
                ok, output, seconds = call(url, endpoint, arguments)
                results.append((ok, f"/{endpoint}: {output}", seconds))
            except OSError as error:
                results.append((False, f"{KINDS[n % len(KINDS)]}: {error}", 0.0))
        return results

    with ThreadPoolExecutor(clients) as pool:
        results = [r for batch in pool.map(client, range(clients)) for r in batch]
    failures = [output for ok, output, _ in results if not ok]
    return len(failures), [seconds for ok, _, seconds in results if ok], failures[:3]


def resident_mb(pid: int) -> float:
    """Resident memory of the process and its children, in MiB."""
    import psutil

    process = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20


def file_count(folder: Path) -> str:
    """'files (folders)' under ``folder``."""
    walked = list(os.walk(folder))
    return f"{sum(len(files) for _, _, files in walked)} ({sum(len(folders) for _, folders, _ in walked)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--round", type=int, default=1000, help="requests per round")
    parser.add_argument("--total", type=int, default=5000, help="requests after the warm-up, at least")
    parser.add_argument("--warm-up", type=int, default=100)
    parser.add_argument("--script", type=Path, default=ROOT / "app.py", help="the server to start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gan-load-") as tmp, \
            running_app(script=args.script, env={"TMPDIR": tmp}) as app:
        gradio_dir = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tmp) / "gradio")
        gif_dir = Path(tmp) / "gan_playground_gifs"
        print(f"{args.script.name}, {args.clients} clients; cold start {app.start_seconds:.1f} s")
        print("| requests | failures | requests/s | p50 ms | p95 ms | RSS MB | Gradio temp files (folders) | GIF files |")
        print("|---|---|---|---|---|---|---|---|")
        done, failed, errors = 0, 0, []
        for size in [args.warm_up] + [args.round] * -(-args.total // args.round):
            clients, started = min(args.clients, size), time.perf_counter()
            failures, latencies, first_errors = hammer(app.url, clients, size // clients, start=done)
            rate = size // clients * clients / (time.perf_counter() - started)
            done, failed, errors = done + size // clients * clients, failed + failures, errors + first_errors
            print(f"| {done} | {failed} | {rate:.1f} | {percentile(latencies, 50) * 1e3:.0f} | "
                  f"{percentile(latencies, 95) * 1e3:.0f} | {resident_mb(app.pid):.0f} | "
                  f"{file_count(gradio_dir)} | {file_count(gif_dir).split()[0]} |", flush=True)
    for error in errors[:3]:
        print("  error:", error)


if __name__ == "__main__":
    main()
