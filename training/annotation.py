"""Double annotation: agreement between two passes, and the merge into the labelled set.

    python -m training.annotation agreement      # kappa per label, micro-F1; writes disagreements.jsonl
    python -m training.annotation merge          # segments + agreed labels + adjudication -> labels/seeds.jsonl

Passes are folders of JSONL files with {"id", "labels"} lines. Where the passes agree their labels
stand; every disagreement must have a line in adjudicated.jsonl ({"id", "labels", "rule"}).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from clausewise.taxonomy import REPO_ROOT, Taxonomy, load_taxonomy
from training.metrics import multi_hot

ANNOTATION = REPO_ROOT / "labels" / "annotation"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_pass(folder: Path, taxonomy: Taxonomy) -> dict[str, tuple[str, ...]]:
    """id -> labels (taxonomy order) from every *.jsonl in a pass folder; rejects unknown labels."""
    out: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for n, row in enumerate(read_jsonl(path), 1):
            unknown = [x for x in row["labels"] if x not in taxonomy.names]
            if unknown:
                raise ValueError(f"{path}:{n}: unknown label(s) {unknown}")
            if row["id"] in out:
                raise ValueError(f"{path}:{n}: id {row['id']} labelled twice in this pass")
            out[row["id"]] = tuple(sorted(set(row["labels"]), key=taxonomy.names.index))
    return out


def read_segments(folder: Path) -> list[dict]:
    return [row for path in sorted(folder.glob("*.jsonl")) for row in read_jsonl(path)]


def agreement(a: dict, b: dict, ids: list[str], taxonomy: Taxonomy) -> dict:
    """Per-label Cohen's kappa and positives in each pass; micro-F1 and exact-set agreement overall."""
    ya = multi_hot([a[i] for i in ids], taxonomy.names)
    yb = multi_hot([b[i] for i in ids], taxonomy.names)
    per_label = {}
    for j, name in enumerate(taxonomy.names):
        same = np.array_equal(ya[:, j], yb[:, j])
        kappa = 1.0 if same else float(cohen_kappa_score(ya[:, j], yb[:, j]))
        per_label[name] = {"kappa": round(kappa, 3), "pass_a": int(ya[:, j].sum()), "pass_b": int(yb[:, j].sum())}
    return {
        "clauses": len(ids),
        "micro_f1": round(float(f1_score(ya, yb, average="micro", zero_division=1)), 3),
        "exact_match": round(float(np.mean([a[i] == b[i] for i in ids])), 3),
        "mean_kappa": round(float(np.mean([v["kappa"] for v in per_label.values()])), 3),
        "per_label": per_label,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cmd", choices=["agreement", "merge"])
    parser.add_argument("--annotation", type=Path, default=ANNOTATION, help="folder with segments/, pass_a/, pass_b/")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "labels" / "seeds.jsonl", help="merged label file")
    args = parser.parse_args(argv)
    taxonomy = load_taxonomy()
    segments = read_segments(args.annotation / "segments")
    ids = [s["id"] for s in segments]
    a = read_pass(args.annotation / "pass_a", taxonomy)
    b = read_pass(args.annotation / "pass_b", taxonomy)
    for name, p in (("pass_a", a), ("pass_b", b)):
        missing = [i for i in ids if i not in p]
        if missing:
            print(f"error: {name} has no labels for {len(missing)} clause(s), e.g. {missing[:5]}", file=sys.stderr)
            return 1
    disagreements = [s for s in segments if a[s["id"]] != b[s["id"]]]
    if args.cmd == "agreement":
        stats = agreement(a, b, ids, taxonomy)
        (args.annotation / "agreement.json").write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
        with open(args.annotation / "disagreements.jsonl", "w", encoding="utf-8") as fh:
            for s in disagreements:
                fh.write(json.dumps({"id": s["id"], "heading": s["heading"], "text": s["text"],
                                     "pass_a": list(a[s["id"]]), "pass_b": list(b[s["id"]])}, ensure_ascii=False) + "\n")
        print(f"{stats['clauses']} clauses, micro-F1 {stats['micro_f1']}, exact match {stats['exact_match']}, "
              f"mean kappa {stats['mean_kappa']}, {len(disagreements)} disagreements")
        print(f"{'label':<24}{'kappa':>7}{'A':>6}{'B':>6}")
        for name, v in stats["per_label"].items():
            print(f"{name:<24}{v['kappa']:>7.3f}{v['pass_a']:>6}{v['pass_b']:>6}")
        return 0
    adjudicated = {row["id"]: row for row in read_jsonl(args.annotation / "adjudicated.jsonl")}
    open_ids = [s["id"] for s in disagreements if s["id"] not in adjudicated]
    if open_ids:
        print(f"error: {len(open_ids)} disagreement(s) not adjudicated, e.g. {open_ids[:5]}", file=sys.stderr)
        return 1
    with open(args.out, "w", encoding="utf-8") as fh:
        for s in segments:
            labels = adjudicated[s["id"]]["labels"] if s["id"] in adjudicated else list(a[s["id"]])
            labels = sorted(set(labels), key=taxonomy.names.index)
            row = {"id": s["id"], "doc": s["doc"], "text": s["text"], "labels": labels,
                   "heading": s["heading"], "start": s["start"], "end": s["end"], "kind": s["kind"]}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(segments)} clauses to {args.out} ({len(adjudicated)} adjudicated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
