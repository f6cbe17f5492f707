"""Building the labelled set: `clausewise validate`, `segment` and `annotate` (double annotation)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from clausewise.files import read_jsonl, write_jsonl
from clausewise.taxonomy import load_taxonomy
from training.annotation import ANNOTATION, load_passes, merge_passes, write_agreement
from training.data import SEEDS_FILE, check_files, every_label_set, label_counts, resolve_label_files
from training.segments import SEED_DOCS, policy_files, segment_document


def add_validate(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", help="label .jsonl files or folders holding them (default: every labelled set)")
    p.add_argument("--taxonomy", default=None, help="taxonomy YAML (default labels/taxonomy.yaml)")


def validate(args: argparse.Namespace) -> int:
    taxonomy = load_taxonomy(args.taxonomy)
    files = resolve_label_files(args.paths or every_label_set())
    records, problems = check_files(files, taxonomy)
    for p in problems:
        print(f"error: {p}", file=sys.stderr)
    print(f"{len(records)} valid clauses in {len(files)} file(s), {len({r.doc for r in records})} documents")
    for name, count in label_counts(records, taxonomy).items():
        print(f"  {name:<24}{count:>6}")
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    print("OK")
    return 0


def add_segment(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        default=[SEED_DOCS],
        help="policy files (.txt, .md, .html) or folders of them (default: labels/seeds/docs)",
    )
    p.add_argument("--out", type=Path, default=ANNOTATION / "segments", help="output folder, one JSONL per document")


def segment(args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    for path in policy_files(args.paths):
        records = segment_document(path)
        out = args.out / f"{path.stem}.jsonl"
        write_jsonl(out, records)
        print(f"{path.name}: {len(records)} clauses -> {out}")
    return 0


def add_annotate(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "action",
        choices=["agreement", "merge"],
        help="agreement: kappa per label and disagreements.jsonl; merge: agreed + adjudicated labels",
    )
    p.add_argument("--annotation", type=Path, default=ANNOTATION, help="folder with segments/, pass_a/, pass_b/")
    p.add_argument("--out", type=Path, default=SEEDS_FILE, help="merged label file (with merge)")


def annotate(args: argparse.Namespace) -> int:
    taxonomy = load_taxonomy()
    passes = load_passes(args.annotation, taxonomy)
    if args.action == "agreement":
        stats = write_agreement(passes, taxonomy, args.annotation)
        print(
            f"{stats['clauses']} clauses, micro-F1 {stats['micro_f1']}, exact match {stats['exact_match']}, "
            f"mean kappa {stats['mean_kappa']}, {len(passes.disagreements)} disagreements"
        )
        print(f"{'label':<24}{'kappa':>7}{'A':>6}{'B':>6}")
        for name, v in stats["per_label"].items():
            print(f"{name:<24}{v['kappa']:>7.3f}{v['pass_a']:>6}{v['pass_b']:>6}")
        return 0
    adjudicated = read_jsonl(args.annotation / "adjudicated.jsonl")
    rows = merge_passes(passes, adjudicated, taxonomy)
    write_jsonl(args.out, rows)
    print(f"wrote {len(rows)} clauses to {args.out} ({len(adjudicated)} adjudicated)")
    return 0
