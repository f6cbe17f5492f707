"""In-process throughput on the seed clauses: int8 ONNX vs torch fp32 vs a transformers pipeline.

    python -m benchmarks.inprocess [--model clause-classifier:latest (DEFAULT_TAG)] [--repeats 2]

The baseline is `pipeline("text-classification")` over the same encoder weights (its
classification head is the stock CLS-pooler head: the compute is the same, its scores are not ours).
Also prints how often int8 and fp32 give the same labels on every seed clause.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import model_path, seed_clauses
from clausewise.model_dir import DEFAULT_TAG


def clauses_per_second(fn, texts: list[str], batch: int, repeats: int) -> float:
    """Best of `repeats` passes over all texts, `batch` texts per call, in file order."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(texts), batch):
            fn(texts[i : i + batch])
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_TAG)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)

    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    from clausewise.model import ClauseModel

    torch.set_num_threads(2)
    path = model_path(args.model)
    texts = seed_clauses()
    int8 = ClauseModel.load(path, device="cpu", backend="onnx")
    fp32 = ClauseModel.load(path, device="cpu", backend="torch")
    pipe = pipeline(
        "text-classification",
        model=AutoModelForSequenceClassification.from_pretrained(str(path)),
        tokenizer=AutoTokenizer.from_pretrained(str(path)),
        device=-1,
        top_k=None,
        function_to_apply="sigmoid",
        truncation=True,
        max_length=128,
    )

    rows = []
    for batch in (1, 8, 32):
        base = clauses_per_second(lambda b: pipe(b, batch_size=len(b)), texts, batch, args.repeats)
        r8 = clauses_per_second(lambda b: int8.scores(b, batch_size=len(b)), texts, batch, args.repeats)
        r32 = clauses_per_second(lambda b: fp32.scores(b, batch_size=len(b)), texts, batch, args.repeats)
        rows.append((batch, base, r32, r8))
    per_call = rows[0][1]
    print(f"{len(texts)} seed clauses, {args.model} ({path.name}), 2 threads, best of {args.repeats}\n")
    print(
        "| batch | pipeline clauses/s | torch fp32 clauses/s | int8 ONNX clauses/s | int8 / pipeline (same batch) | int8 / pipeline one per call |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for batch, base, r32, r8 in rows:
        print(
            f"| {batch} | {base:.1f} | {r32:.1f} ({r32 / base:.2f}x) | {r8:.1f} | {r8 / base:.2f}x | {r8 / per_call:.2f}x |"
        )

    s8, s32 = int8.scores(texts), fp32.scores(texts)
    cut = np.asarray(fp32.info.thresholds)
    same_set = np.mean([(a >= cut).tolist() == (b >= cut).tolist() for a, b in zip(s8, s32)])
    same_decision = np.mean((s8 >= cut) == (s32 >= cut))
    print(
        f"\nint8 vs fp32 on {len(texts)} seed clauses: identical label sets {same_set:.2%}, "
        f"identical per-label decisions {same_decision:.2%}, max |score diff| {np.abs(s8 - s32).max():.3f}"
    )


if __name__ == "__main__":
    main()
