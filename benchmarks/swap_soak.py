"""Soak with a model promotion in the middle: zero failed requests, answers switch tags, no restart.

    python -m benchmarks.swap_soak [--model clause-classifier:latest] [--seconds 60] [--clients 8]

Copies the stored model twice under the scratch name `swap-bench` (versions A and B), serves
`swap-bench:latest` with CLAUSEWISE_RELOAD_S=1, keeps `--clients` clients busy with /classify and
/analyze, promotes B halfway (the same rename + `latest` replace `clausewise retrain` does) and
reports requests, failures, the tags answers named in order, and whether the server process is the
one it started. The scratch models are deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import time

import aiohttp

from benchmarks.common import SEEDS, seed_clauses
from benchmarks.local_server import local_server
from clausewise.bentoml_private import latest_file, models_dir
from clausewise.files import write_text_atomic
from clausewise.model_dir import DEFAULT_TAG
from clausewise.settings import MODEL_ENV, RELOAD_ENV

NAME = "swap-bench"


def copy_model(source_tag: str) -> str:
    """A new version of NAME with the files and metadata of `source_tag`, staged outside the store's folder."""
    import bentoml

    source = bentoml.models.get(source_tag)
    with bentoml.models.create(NAME, labels=source.info.labels, metadata=source.info.metadata) as model:
        shutil.copytree(source.path, model.path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("model.yaml"))
    return str(model.tag)


def point_latest(tag: str) -> None:
    name, version = tag.split(":")
    write_text_atomic(latest_file(models_dir(), name), version)


async def load(url: str, seconds: float, clients: int, promote) -> tuple[int, int, list[str]]:
    clauses = seed_clauses()
    policy = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    rng = random.Random(3)
    end = time.monotonic() + seconds
    counts = {"ok": 0, "failed": 0}
    tags: list[tuple[float, str]] = []

    async def client(http: aiohttp.ClientSession) -> None:
        while time.monotonic() < end:
            analyse = rng.random() < 0.1
            body = {"text": policy} if analyse else {"texts": rng.sample(clauses, 4)}
            try:
                async with http.post(f"{url}/{'analyze' if analyse else 'classify'}", json=body) as r:
                    payload = await r.json()
                    if r.status == 200:
                        counts["ok"] += 1
                        tags.append((time.monotonic(), payload["model"]))
                    else:
                        counts["failed"] += 1
            except (TimeoutError, aiohttp.ClientError, ValueError):
                counts["failed"] += 1

    async def promoter() -> None:
        await asyncio.sleep(seconds / 2)
        promote()

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        await asyncio.gather(promoter(), *(client(http) for _ in range(clients)))
    order = [t for _, t in sorted(tags)]
    switches = [t for i, t in enumerate(order) if i == 0 or t != order[i - 1]]
    return counts["ok"], counts["failed"], switches


def main() -> None:
    import bentoml

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    a = copy_model(args.model)
    b = copy_model(args.model)
    point_latest(a)
    try:
        with local_server({MODEL_ENV: f"{NAME}:latest", RELOAD_ENV: "1"}) as (url, proc):
            pid = proc.pid
            ok, failed, switches = asyncio.run(load(url, args.seconds, args.clients, lambda: point_latest(b)))
            alive = proc.poll() is None and proc.pid == pid
        print(
            f"{ok} requests answered, {failed} failed; tags in order of answers: {' -> '.join(switches)}; "
            f"promoted {b} at {args.seconds / 2:.0f} s; same server process throughout: {alive}"
        )
    finally:
        for tag in (a, b):
            bentoml.models.delete(tag)


if __name__ == "__main__":
    main()
