"""Throughput, latency and memory of the real service over HTTP on 127.0.0.1.

    python -m benchmarks.http_load [--model clause-classifier:latest (DEFAULT_TAG)] [--requests 256] [--per-request 4]

Starts `bentoml serve` on a free loopback port, sends bounded bursts of /classify requests at 1, 8
and 64 concurrent clients, times /analyze on each seed policy, samples the resident memory of the
whole service process tree, then stops the server by its process group.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time

import aiohttp
import httpx
import psutil

from benchmarks.common import SEEDS, percentile, seed_clauses
from benchmarks.local_server import local_server
from clausewise.model_dir import DEFAULT_TAG
from clausewise.settings import MODEL_ENV


class MemorySampler(threading.Thread):
    """Peak summed RSS of a process and its children, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                procs = [self.root] + self.root.children(recursive=True)
                self.peak = max(self.peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)


async def burst(url: str, batches: list[list[str]], concurrency: int) -> tuple[float, list[float], int]:
    """Send every batch with `concurrency` clients; returns (seconds, latencies, errors).

    The client is aiohttp (lighter than httpx): it shares the 2 cores with the server under test.
    """
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal errors
        while not queue.empty():
            texts = queue.get_nowait()
            start = time.perf_counter()
            try:
                async with http.post(f"{url}/classify", json={"texts": texts}) as r:
                    body = await r.json()
                ok = r.status == 200 and [x["text"] for x in body["results"]] == texts
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(concurrency)))
        return time.perf_counter() - start, latencies, errors


def run(url: str, args: argparse.Namespace, sampler: MemorySampler) -> None:
    """The measured part: bursts at 1, 8 and 64 clients, /analyze per seed, peak memory."""
    sampler.start()
    clauses = seed_clauses()
    batches = [
        [clauses[(i * args.per_request + k) % len(clauses)] for k in range(args.per_request)]
        for i in range(args.requests)
    ]
    asyncio.run(burst(url, batches[:16], 8))  # warm-up
    print(f"{args.model}; {args.requests} /classify requests of {args.per_request} clauses per level\n")
    print("| clients | clauses/s | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for concurrency in (1, 8, 64):
        seconds, lat, errors = asyncio.run(burst(url, batches, concurrency))
        ms = [x * 1000 for x in lat]
        print(
            f"| {concurrency} | {len(batches) * args.per_request / seconds:.1f} | {len(batches) / seconds:.1f} | "
            f"{percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | {percentile(ms, 99):.0f} | {errors} |"
        )
    print("\n| seed | characters | clauses | /analyze end to end (median of 3) |")
    print("|---|---:|---:|---:|")
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        times, n = [], 0
        for _ in range(3):
            start = time.perf_counter()
            r = httpx.post(f"{url}/analyze", json={"text": text}, timeout=120)
            times.append(time.perf_counter() - start)
            n = len(r.json()["clauses"])
        print(f"| {path.name[:3]} | {len(text)} | {n} | {sorted(times)[1]:.2f} s |")
    time.sleep(0.5)
    print(f"\npeak resident memory of the service (all processes): {sampler.peak / 2**20:.0f} MiB")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--requests", type=int, default=256, help="requests per concurrency level")
    parser.add_argument("--per-request", type=int, default=4, help="clauses per /classify request")
    args = parser.parse_args(argv)

    with local_server({MODEL_ENV: args.model}) as (url, proc):
        sampler = MemorySampler(proc.pid)
        try:
            run(url, args, sampler)
        finally:
            sampler.stop.set()


if __name__ == "__main__":
    main()
