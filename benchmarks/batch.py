"""Batch throughput: `clausewise batch` on Ray Data with 1 and 2 CPU actors against a plain in-process loop.

    python -m benchmarks.batch [--policies 2000] [--model clause-classifier:latest] [--cores-per-node 16]

The corpus is the 5 seed and 36 authored policies repeated to --policies documents with varied ids
(a JSONL file in a temporary folder). The in-process loop does the same work as one actor -
read_policy, model.scores, label_policy per policy, int8 ONNX on one thread - without Ray, reading
or writing; Ray's figures include reading, writing Parquet and starting the actors. Peak memory is
the summed resident memory of this process and its children (the local Ray), sampled every 0.2 s.
Ends with a projection for one million policies from the measured per-core rate.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.common import ROOT, SEEDS, model_path, rss_mib
from clausewise.files import read_jsonl, write_jsonl
from clausewise.model_dir import DEFAULT_TAG

AUTHORED = ROOT / "labels" / "authored" / "docs"


class PeakMemory:
    """Peak summed RSS (MiB) of this process tree while the block runs."""

    def __enter__(self):
        self.peak, self._stop = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mib(os.getpid()))
            self._stop.wait(0.2)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def build_corpus(n: int, folder: Path) -> Path:
    """n policies from the seeds and authored documents, ids varied, as one JSONL file."""
    sources = sorted(SEEDS.glob("*.txt")) + sorted(p for p in AUTHORED.iterdir() if p.is_file())
    path = folder / "corpus.jsonl"
    picks = [sources[k % len(sources)] for k in range(n)]
    write_jsonl(
        path,
        ({"id": f"bench-{k:06d}-{src.stem}", "text": src.read_text(encoding="utf-8")} for k, src in enumerate(picks)),
    )
    return path


def in_process(corpus: Path, tag: str) -> tuple[int, float, float]:
    """(clauses, seconds, peak MiB) of the plain loop: one model, one thread, no Ray."""
    from clausewise.analysis import label_policy, read_policy, scoring_inputs
    from clausewise.model import ClauseModel
    from clausewise.settings import SCORE_BATCH

    texts = [row["text"] for row in read_jsonl(corpus)]
    with PeakMemory() as mem:
        start = time.perf_counter()
        model = ClauseModel.load(model_path(tag), device="cpu", threads=1)
        clauses = 0
        for text in texts:
            policy = read_policy(text)
            inputs = scoring_inputs(policy, model.info)
            rows = model.scores(*inputs, batch_size=SCORE_BATCH) if inputs[0] else []
            clauses += len(label_policy(policy, rows, model)["clauses"])
        seconds = time.perf_counter() - start
    return clauses, seconds, mem.peak


def on_ray(corpus: Path, tag: str, actors: int, out: Path) -> tuple[int, float, float]:
    from batch.job import BatchOptions, run

    with PeakMemory() as mem:
        start = time.perf_counter()
        summary = run([str(corpus)], out, BatchOptions(model=tag, actors=actors, part_size=200))
        seconds = time.perf_counter() - start  # Ray start and shutdown included
    print(summary.line(), flush=True)
    return summary.clauses, seconds, mem.peak


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--policies", type=int, default=2000)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--cores-per-node", type=int, default=16, help="node size for the projection")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="clausewise-batch-bench-") as tmp:
        corpus = build_corpus(args.policies, Path(tmp))
        base_clauses, base_s, base_mem = in_process(corpus, args.model)
        print(f"in-process loop: {base_clauses} clauses in {base_s:.1f} s, peak {base_mem:.0f} MiB", flush=True)
        runs = []
        for a in (1, 2):  # printed as they finish: a busy machine may not let the second one end
            runs.append((a, *on_ray(corpus, args.model, a, Path(tmp) / f"out-{a}")))
            print(
                f"Ray, {a} actor(s): {runs[-1][1]} clauses in {runs[-1][2]:.1f} s, peak {runs[-1][3]:.0f} MiB",
                flush=True,
            )

    base_rate = base_clauses / base_s
    print(
        f"\n{args.policies} policies, {base_clauses} clauses ({base_clauses / args.policies:.1f} a policy); "
        f"model {args.model}; {psutil.cpu_count()} cores on this machine"
    )
    print("| run | clauses/s | vs in-process loop | wall s | peak MiB |")
    print("|---|---:|---:|---:|---:|")
    print(f"| in-process loop, 1 thread | {base_rate:.1f} | 1.00x | {base_s:.1f} | {base_mem:.0f} |")
    for actors, clauses, seconds, peak in runs:
        assert clauses == base_clauses, (clauses, base_clauses)
        rate = clauses / seconds
        print(
            f"| Ray Data, {actors} CPU actor{'s' if actors > 1 else ''} | {rate:.1f} | {rate / base_rate:.2f}x | "
            f"{seconds:.1f} | {peak:.0f} |"
        )

    # Projection: Ray's per-core rate with one actor (its overhead included), scaled to whole nodes.
    per_core = runs[0][1] / runs[0][2]
    per_policy = base_clauses / args.policies
    total = 1_000_000 * per_policy
    core_hours = total / per_core / 3600
    print(
        f"\nOne million policies ~ {total / 1e6:.0f} M clauses at {per_core:.0f} clauses/s per core "
        f"(1-actor run) = {core_hours:,.0f} core-hours."
    )
    for nodes in (1, 4, 16, 64):
        print(
            f"  {nodes:>3} node(s) of {args.cores_per_node} cores (one actor a core, one core left for "
            f"segmentation and I/O): {core_hours / (nodes * (args.cores_per_node - 1)):,.1f} h"
        )
    print(f"  to finish in 8 h: {core_hours / 8 / (args.cores_per_node - 1):,.1f} nodes")


if __name__ == "__main__":
    main()
