"""Mixed load: one-clause /classify latency while whole policies are analysed, before and after fair scheduling.

    python -m benchmarks.mixed_load [--model clause-classifier:latest] [--probes 40]

For each scheduler (`whole`: CLAUSEWISE_BATCH_CHUNK=0, a request is one model call, as before;
`fair`: chunks of 16 taken in turn) it starts `bentoml serve` on a free 127.0.0.1 port and, for
policies of 1x, 5x and the maximum size (seed 004 repeated, up to the 300,000-character limit),
sends the /analyze while a probe client sends one-clause /classify requests back to back; it prints
p50/p95 of the probes and the /analyze time. Then, on the fair server, the 297,500-character
one-paragraph text against seed 004 (the linear-segmentation check). Bounded: each /analyze runs once.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import aiohttp

from benchmarks.common import ROOT, SEEDS, percentile
from benchmarks.local_server import local_server
from clausewise import settings
from clausewise.model_dir import DEFAULT_TAG
from clausewise.settings import MAX_ANALYZE_CLAUSES, MAX_POLICY_CHARS

PROBE = {"texts": ["You can unsubscribe from marketing emails at any time."]}


def policies() -> dict[str, str]:
    """Seed 004, and seed 004 followed by distinct real policies up to 5x its length and up to the limit
    (repeating seed 004 would be scored once: /analyze scores each distinct clause once)."""
    seed = next(SEEDS.glob("004_*.txt")).read_text(encoding="utf-8")
    others = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "labels" / "real" / "train" / "docs").glob("*.md"))]

    def grow(limit: int) -> str:
        parts, size = [seed], len(seed)
        for doc in others:
            if size + len(doc) > limit:
                continue
            parts.append(doc)
            size += len(doc) + 2
        return "\n\n".join(parts)

    five, biggest = grow(5 * len(seed)), grow(MAX_POLICY_CHARS - 20_000)
    return {"1x": seed, f"5x ({len(five):,} chars)": five, f"max ({len(biggest):,} chars)": biggest}


async def analyse_with_probes(url: str, text: str, _min_probes: int = 0) -> tuple[float, list[float], int]:
    """(analyze seconds, probe latencies during it, probe failures)."""
    latencies: list[float] = []
    failures = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as http:
        done = asyncio.Event()

        async def analyse() -> float:
            started = time.perf_counter()
            async with http.post(f"{url}/analyze", json={"text": text}) as r:
                await r.read()
                if r.status != 200:
                    raise RuntimeError(f"/analyze answered {r.status}")
            done.set()
            return time.perf_counter() - started

        async def probe() -> None:
            nonlocal failures
            await asyncio.sleep(0.2)  # let the policy's first model call start
            while not done.is_set():  # every probe sent while the policy is in flight counts
                started = time.perf_counter()
                async with http.post(f"{url}/classify", json=PROBE) as r:
                    await r.read()
                    if r.status != 200:
                        failures += 1
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.05)

        seconds, _ = await asyncio.gather(analyse(), probe())
    return seconds, latencies, failures


async def timed_analyze(url: str, text: str) -> tuple[float, int]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as http:
        started = time.perf_counter()
        async with http.post(f"{url}/analyze", json={"text": text}) as r:
            await r.read()
            return time.perf_counter() - started, r.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--probes", type=int, default=10, help="warn when fewer probes fit in one /analyze")
    parser.add_argument("--rounds", type=int, default=3, help="times each policy is analysed (probes pooled)")
    args = parser.parse_args()
    texts = policies()
    print("| scheduler | policy | /analyze s (median) | probes | probe p50 ms | probe p95 ms | probe max ms | failed |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, chunk in (("whole", "0"), ("fair", "16")):
        env = {settings.MODEL_ENV: args.model, settings.BATCH_CHUNK_ENV: chunk, settings.RELOAD_ENV: "0"}
        with local_server(env) as (url, _proc):
            asyncio.run(timed_analyze(url, texts["1x"]))  # warm-up
            for size, text in texts.items():
                runs = [asyncio.run(analyse_with_probes(url, text, args.probes)) for _ in range(args.rounds)]
                seconds = percentile([r[0] for r in runs], 50)
                lat = [x for r in runs for x in r[1]]
                failed = sum(r[2] for r in runs)
                p50, p95 = percentile(lat, 50) * 1000, percentile(lat, 95) * 1000
                print(
                    f"| {name} | {size} | {seconds:.1f} | {len(lat)} | {p50:.0f} | {p95:.0f} | {max(lat) * 1000:.0f} "
                    f"| {failed} |",
                    flush=True,
                )
            if name == "fair":
                one_para = "We keep logs for a year. " * 11_900  # 297,500 characters, one paragraph
                seed_s, _ = asyncio.run(timed_analyze(url, texts["1x"]))
                quarter_s, _ = asyncio.run(timed_analyze(url, one_para[: len(one_para) // 4]))
                whole_s, status = asyncio.run(timed_analyze(url, one_para))
                print(
                    f"\none-paragraph {len(one_para):,} chars: {whole_s:.2f} s ({status}), its quarter {quarter_s:.2f} s, "
                    f"seed 004 {seed_s:.2f} s: {whole_s / seed_s:.1f}x seed 004, quarter/whole {quarter_s / whole_s:.2f}"
                )
                varied = "".join(f"We keep log {i} for a year. " for i in range(20_000))[:297_500]
                varied_s, status = asyncio.run(timed_analyze(url, varied))
                print(
                    f"one paragraph of {len(varied):,} chars, every sentence distinct: {status} in {varied_s:.2f} s "
                    f"({varied_s / seed_s:.1f}x seed 004; over {MAX_ANALYZE_CLAUSES} distinct clauses is refused)"
                )


if __name__ == "__main__":
    main()
