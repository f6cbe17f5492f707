"""Building the labelled set: `clausewise validate`, `segment` and `annotate` (double annotation)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from clausewise.taxonomy import load_taxonomy
from training.annotation import ANNOTATION, agreement, read_jsonl, read_pass, read_segments
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
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
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
    segments = read_segments(args.annotation / "segments")
    ids = [s["id"] for s in segments]
    a = read_pass(args.annotation / "pass_a", taxonomy)
    b = read_pass(args.annotation / "pass_b", taxonomy)
    for name, labelled in (("pass_a", a), ("pass_b", b)):
        missing = [i for i in ids if i not in labelled]
        if missing:
            raise ValueError(f"{name} has no labels for {len(missing)} clause(s), e.g. {missing[:5]}")
    disagreements = [s for s in segments if a[s["id"]] != b[s["id"]]]
    if args.action == "agreement":
        stats = agreement(a, b, ids, taxonomy)
        (args.annotation / "agreement.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
        with open(args.annotation / "disagreements.jsonl", "w", encoding="utf-8") as fh:
            for s in disagreements:
                fh.write(
                    json.dumps(
                        {
                            "id": s["id"],
                            "heading": s["heading"],
                            "text": s["text"],
                            "pass_a": list(a[s["id"]]),
                            "pass_b": list(b[s["id"]]),
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
        print(
            f"{stats['clauses']} clauses, micro-F1 {stats['micro_f1']}, exact match {stats['exact_match']}, "
            f"mean kappa {stats['mean_kappa']}, {len(disagreements)} disagreements"
        )
        print(f"{'label':<24}{'kappa':>7}{'A':>6}{'B':>6}")
        for name, v in stats["per_label"].items():
            print(f"{name:<24}{v['kappa']:>7.3f}{v['pass_a']:>6}{v['pass_b']:>6}")
        return 0
    adjudicated = {row["id"]: row for row in read_jsonl(args.annotation / "adjudicated.jsonl")}
    open_ids = [s["id"] for s in disagreements if s["id"] not in adjudicated]
    if open_ids:
        raise ValueError(f"{len(open_ids)} disagreement(s) not adjudicated, e.g. {open_ids[:5]}")
    with open(args.out, "w", encoding="utf-8") as fh:
        for s in segments:
            labels = adjudicated[s["id"]]["labels"] if s["id"] in adjudicated else list(a[s["id"]])
            labels = sorted(set(labels), key=taxonomy.names.index)
            row = {
                "id": s["id"],
                "doc": s["doc"],
                "text": s["text"],
                "labels": labels,
                "heading": s["heading"],
                "start": s["start"],
                "end": s["end"],
                "kind": s["kind"],
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(segments)} clauses to {args.out} ({len(adjudicated)} adjudicated)")
    return 0
