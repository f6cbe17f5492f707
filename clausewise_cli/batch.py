"""`clausewise batch INPUT... --output DIR`: label every clause of a corpus of policies on Ray Data.

    clausewise batch labels/seeds/docs labels/authored/docs --output out/     # Ray started on this machine
    RAY_ADDRESS=ray://head:10001 clausewise batch /shared/corpus.parquet --output /shared/out   # a cluster

Writes Parquet tables out/clauses/ and out/policies/; a rerun with the same --output skips the
policies already written. Needs the optional dependencies: pip install -e '.[batch]'.
"""

from __future__ import annotations

import argparse

from clausewise import settings


def add_batch(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help='a folder of .txt/.md/.html policies, a .jsonl file ({"id", "text"} a line), '
        "a .parquet file (id, text columns), or a folder of .jsonl or .parquet files",
    )
    p.add_argument("--output", required=True, help="output folder; clauses/ and policies/ are written under it")
    p.add_argument(
        "--model",
        default=settings.model_tag(),
        help=f"stored model {settings.MODEL_HELP}",
    )
    p.add_argument("--actors", type=int, default=1, help="CPU scoring actors, one model copy each (default: 1)")
    p.add_argument("--cpus-per-actor", type=int, default=1, help="cores of each CPU actor (default: 1)")
    p.add_argument(
        "--gpus",
        type=int,
        default=0,
        help="GPU actors (torch, one GPU each) instead of CPU actors; 0 = CPU (default: 0)",
    )
    p.add_argument(
        "--part-size",
        type=int,
        default=settings.PART_SIZE,
        help="policies per Parquet file; a killed run redoes at most the parts in flight "
        f"(default: {settings.PART_SIZE})",
    )
    p.add_argument(
        "--max-chars",
        type=int,
        default=settings.MAX_POLICY_CHARS,
        help=f"longer policies get an error row, as /analyze refuses them (default: {settings.MAX_POLICY_CHARS})",
    )
    p.add_argument(
        "--num-cpus",
        type=int,
        default=None,
        help="CPUs of a Ray started on this machine (default: all); ignored when RAY_ADDRESS is set",
    )


def batch(args: argparse.Namespace) -> int:
    try:
        from batch.job import BatchOptions, run
    except ImportError as exc:  # ray is an optional dependency: the service does not need it
        raise RuntimeError(
            f"batch needs the optional dependencies ({exc.name} is missing): pip install -e '.[batch]'"
        ) from exc
    options = BatchOptions(
        model=args.model,
        actors=args.actors,
        cpus_per_actor=args.cpus_per_actor,
        gpus=args.gpus,
        part_size=args.part_size,
        max_chars=args.max_chars,
        num_cpus=args.num_cpus,
    )
    summary = run(args.inputs, args.output, options)
    print(summary.line())
    return 0
