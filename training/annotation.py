"""Double annotation: agreement between two passes, and the merge into the labelled set.

    clausewise annotate agreement      # kappa per label, micro-F1; writes disagreements.jsonl
    clausewise annotate merge          # segments + agreed labels + adjudication -> labels/seeds/seeds.jsonl

Passes are folders of JSONL files with {"id", "labels"} lines. Where the passes agree their labels
stand; every disagreement must have a line in adjudicated.jsonl ({"id", "labels", "rule"}).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from clausewise.taxonomy import REPO_ROOT, Taxonomy
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
