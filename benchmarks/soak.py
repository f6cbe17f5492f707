"""Sustained load on the real service: throughput, latency, errors and memory over time.

    python -m benchmarks.soak [--minutes 10] [--clients 16] [--analyze-share 0.1] [--growth-bound-mib 100]

Starts `bentoml serve` on a free 127.0.0.1 port and keeps `--clients` concurrent clients busy:
most send /classify with 4 seed clauses, a share send /analyze with a whole seed policy. Every
minute it prints throughput, p50/p95/p99 latency, errors and the resident memory of the service
process tree; at the end, memory growth after the first minute against the stated bound.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

import aiohttp

from benchmarks.common import SEEDS, percentile, rss_mib, seed_clauses
from benchmarks.local_server import local_server
from clausewise.model_dir import DEFAULT_TAG
from clausewise.settings import MODEL_ENV


async def soak(url: str, pid: int, args: argparse.Namespace) -> bool:
    clauses = seed_clauses()
    policies = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    rng = random.Random(7)
    window: list[tuple[str, float, bool, int]] = []  # (endpoint, seconds, ok, clauses)
    end = time.monotonic() + args.minutes * 60

    async def client(http: aiohttp.ClientSession) -> None:
        while time.monotonic() < end:
            if rng.random() < args.analyze_share:
                endpoint, body = "analyze", {"text": rng.choice(policies)}
            else:
                k = rng.randrange(len(clauses))
                endpoint, body = "classify", {"texts": [clauses[(k + i) % len(clauses)] for i in range(4)]}
            start = time.perf_counter()
            n = 0
            try:
                async with http.post(f"{url}/{endpoint}", json=body) as r:
                    payload = await r.json()
                ok = r.status == 200
                n = len(payload["results"] if endpoint == "classify" else payload["clauses"]) if ok else 0
            except (TimeoutError, aiohttp.ClientError, ValueError, KeyError):
                ok = False
            window.append((endpoint, time.perf_counter() - start, ok, n))

    memory: list[float] = []
    print(
        f"{args.clients} clients for {args.minutes} min; {args.analyze_share:.0%} of requests are /analyze of a whole seed"
    )
    print("| minute | requests | clauses/s | classify p50/p95/p99 ms | analyze p50/p95 ms | errors | service RSS MiB |")
    print("|---:|---:|---:|---|---|---:|---:|")
    connector = aiohttp.TCPConnector(limit=args.clients)
    fmt = lambda v, qs: "/".join(f"{percentile(v, q):.0f}" for q in qs) if v else "-"  # noqa: E731
    total_errors = 0
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as http:
        tasks = [asyncio.create_task(client(http)) for _ in range(args.clients)]
        started = time.monotonic()
        for minute in range(1, args.minutes + 1):
            await asyncio.sleep(max(0.0, started + 60 * minute - time.monotonic()))
            if minute == args.minutes:
                await asyncio.gather(*tasks)  # the requests in flight at the end count in the last minute
            rows, window[:] = list(window), []
            cls = [s * 1000 for e, s, ok, _ in rows if e == "classify" and ok]
            ana = [s * 1000 for e, s, ok, _ in rows if e == "analyze" and ok]
            errors = sum(not ok for *_, ok, _ in rows)
            total_errors += errors
            memory.append(rss_mib(pid))
            print(
                f"| {minute} | {len(rows)} | {sum(n for *_, n in rows) / 60:.1f} | {fmt(cls, (50, 95, 99))} | "
                f"{fmt(ana, (50, 95))} | {errors} | {memory[-1]:.0f} |",
                flush=True,
            )
    growth = max(memory[1:] or memory) - memory[0]
    ok = total_errors == 0 and growth <= args.growth_bound_mib
    print(
        f"\nerrors: {total_errors}; memory after minute 1: {memory[0]:.0f} MiB, peak later {max(memory):.0f} MiB, "
        f"growth {growth:+.0f} MiB (bound {args.growth_bound_mib} MiB): {'PASS' if ok else 'FAIL'}"
    )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--analyze-share", type=float, default=0.1)
    parser.add_argument("--growth-bound-mib", type=float, default=100.0)
    args = parser.parse_args(argv)
    with local_server({MODEL_ENV: args.model}) as (url, proc):
        return 0 if asyncio.run(soak(url, proc.pid, args)) else 1


if __name__ == "__main__":
    raise SystemExit(main())
