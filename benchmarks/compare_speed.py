"""/compare of two versions of a policy against /analyze of one of them, over HTTP on 127.0.0.1.

    python -m benchmarks.compare_speed [--model exp-real:latest] [--chars 50000] [--repeats 5]

Target: /compare of two 50,000-character versions answers within 2x the time of /analyze of one of
them (both versions are segmented, the distinct clauses of both are scored together once, then aligned).
The versions are two real recordings of one policy by Open Terms Archive (ODC-By 1.0), read with git
from a local clone of OpenTermsArchive/contrib-versions (--repo), each cut at a line end to about
--chars characters. Starts `bentoml serve` with the model on a free loopback port, warms up, then
times the requests in turn (analyze old, analyze new, compare) --repeats times and prints the medians
and the ratio compare / analyze; the server is stopped by its process group.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

import httpx

from benchmarks.local_server import local_server
from clausewise import settings

MIRROR = "/work/.mirror/OpenTermsArchive+contrib-versions/repo"
POLICY = "LinkedIn/Privacy Policy.md"
OLD, NEW = "641815db1", "b7e6000c0"  # recorded 2025-07-18 and 2026-02-20: 36 lines changed of 53,700 characters


def version(repo: str, commit: str, path: str, chars: int) -> str:
    """The policy as recorded at `commit`, cut at the last line end before `chars` characters."""
    text = subprocess.run(
        ["git", "-C", repo, "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
    ).stdout
    return text if len(text) <= chars else text[: text.rfind("\n", 0, chars) + 1]


def timed(url: str, path: str, payload: dict) -> tuple[float, dict]:
    started = time.perf_counter()
    r = httpx.post(f"{url}{path}", json=payload, timeout=300)
    elapsed = time.perf_counter() - started
    r.raise_for_status()
    return elapsed, r.json()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="exp-real:latest")
    parser.add_argument("--repo", default=MIRROR, help="a clone of OpenTermsArchive/contrib-versions")
    parser.add_argument("--path", default=POLICY)
    parser.add_argument("--old", default=OLD, help="commit of the old version")
    parser.add_argument("--new", default=NEW, help="commit of the new version")
    parser.add_argument("--chars", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    old = version(args.repo, args.old, args.path, args.chars)
    new = version(args.repo, args.new, args.path, args.chars)
    print(f"{args.path}: old {args.old} {len(old):,} characters, new {args.new} {len(new):,} characters")
    env = {
        settings.MODEL_ENV: args.model,
        settings.RELOAD_ENV: "0",
        **settings.offline_env(),
        **{k: v for k, v in os.environ.items() if k == settings.DEVICE_ENV},
    }
    with local_server(env) as (url, _proc):
        timed(url, "/analyze", {"text": old})  # warm-up: first calls load lazily initialised parts
        _, result = timed(url, "/compare", {"old": old, "new": new})
        times: dict[str, list[float]] = {"analyze old": [], "analyze new": [], "compare": []}
        for _ in range(args.repeats):
            times["analyze old"].append(timed(url, "/analyze", {"text": old})[0])
            times["analyze new"].append(timed(url, "/analyze", {"text": new})[0])
            times["compare"].append(timed(url, "/compare", {"old": old, "new": new})[0])
    medians = {k: statistics.median(v) for k, v in times.items()}
    print(f"model {result['model']}; pairs {len(result['pairs'])}: {result['counts']}")
    for name, values in times.items():
        print(f"{name:12s} median {medians[name]:.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    analyze = max(medians["analyze old"], medians["analyze new"])
    print(
        f"ratio compare / analyze (the slower version's median): {medians['compare'] / analyze:.2f} "
        f"(target at most 2.0); against the faster: "
        f"{medians['compare'] / min(medians['analyze old'], medians['analyze new']):.2f}"
    )


if __name__ == "__main__":
    main()
