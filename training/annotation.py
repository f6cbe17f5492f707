"""Double annotation: agreement between two passes, and the merge into the labelled set.

    clausewise annotate agreement      # kappa per label, micro-F1; writes disagreements.jsonl
    clausewise annotate merge          # segments + agreed labels + adjudication -> labels/seeds/seeds.jsonl

Passes are folders of JSONL files with {"id", "labels"} lines. Where the passes agree their labels
stand; every disagreement must have a line in adjudicated.jsonl ({"id", "labels", "rule"}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score, f1_score

from clausewise.files import read_jsonl, write_jsonl, write_text_atomic
from clausewise.taxonomy import REPO_ROOT, Taxonomy
from training.metrics import multi_hot

ANNOTATION = REPO_ROOT / "labels" / "annotation"
MERGED_KEYS = ("id", "doc", "text", "labels", "heading", "start", "end", "kind")  # a merged label line


@dataclass
class Passes:
    """The clause records of an annotation folder and the labels each pass gave them (taxonomy order)."""

    segments: list[dict]
    a: dict[str, tuple[str, ...]]
    b: dict[str, tuple[str, ...]]

    @property
    def ids(self) -> list[str]:
        return [s["id"] for s in self.segments]

    @property
    def disagreements(self) -> list[dict]:
        """The clauses the passes labelled differently, with both label sets."""
        return [
            {"id": i, "heading": s["heading"], "text": s["text"], "pass_a": list(self.a[i]), "pass_b": list(self.b[i])}
            for s, i in ((s, s["id"]) for s in self.segments)
            if self.a[i] != self.b[i]
        ]


def _ordered(labels: list[str], taxonomy: Taxonomy, where: str) -> tuple[str, ...]:
    """Labels without repeats, in taxonomy order; ValueError naming `where` for a label the taxonomy lacks."""
    unknown = [x for x in labels if x not in taxonomy.names]
    if unknown:
        raise ValueError(f"{where}: unknown label(s) {unknown}; valid labels are: {', '.join(taxonomy.names)}")
    return tuple(sorted(set(labels), key=taxonomy.names.index))


def read_pass(folder: Path, taxonomy: Taxonomy) -> dict[str, tuple[str, ...]]:
    """id -> labels (taxonomy order) from every *.jsonl in a pass folder; rejects unknown labels and repeats."""
    out: dict[str, tuple[str, ...]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for n, row in enumerate(read_jsonl(path), 1):
            if row["id"] in out:
                raise ValueError(f"{path}:{n}: id {row['id']} labelled twice in this pass; keep one line")
            out[row["id"]] = _ordered(row["labels"], taxonomy, f"{path}:{n}")
    return out


def read_segments(folder: Path) -> list[dict]:
    """Every clause record of the *.jsonl files in `folder` (`clausewise segment` output), in file order."""
    return [row for path in sorted(folder.glob("*.jsonl")) for row in read_jsonl(path)]


def load_passes(annotation: Path, taxonomy: Taxonomy) -> Passes:
    """segments/, pass_a/ and pass_b/ of an annotation folder; ValueError when a pass misses a clause."""
    passes = Passes(
        read_segments(annotation / "segments"),
        read_pass(annotation / "pass_a", taxonomy),
        read_pass(annotation / "pass_b", taxonomy),
    )
    for name, labelled in (("pass_a", passes.a), ("pass_b", passes.b)):
        missing = [i for i in passes.ids if i not in labelled]
        if missing:
            raise ValueError(
                f"{annotation / name} has no labels for {len(missing)} clause(s), e.g. {missing[:5]}; "
                "label every clause of segments/ in both passes"
            )
    return passes


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


def write_agreement(passes: Passes, taxonomy: Taxonomy, annotation: Path) -> dict:
    """Write agreement.json and disagreements.jsonl into the annotation folder; returns the agreement."""
    stats = agreement(passes.a, passes.b, passes.ids, taxonomy)
    write_text_atomic(annotation / "agreement.json", json.dumps(stats, indent=2) + "\n")
    write_jsonl(annotation / "disagreements.jsonl", passes.disagreements)
    return stats


def merge_passes(passes: Passes, adjudicated: list[dict], taxonomy: Taxonomy) -> list[dict]:
    """Label lines for every clause: the agreed labels, or the adjudicated ones where the passes disagree.

    ValueError when a disagreement has no adjudication or an adjudication names an unknown label."""
    decided = {row["id"]: row for row in adjudicated}
    open_ids = [d["id"] for d in passes.disagreements if d["id"] not in decided]
    if open_ids:
        raise ValueError(
            f"{len(open_ids)} disagreement(s) not adjudicated, e.g. {open_ids[:5]}; add a line "
            '{"id", "labels", "rule"} for each to adjudicated.jsonl'
        )
    rows = []
    for s in passes.segments:
        i = s["id"]
        labels = _ordered(decided[i]["labels"], taxonomy, f"adjudicated {i}") if i in decided else passes.a[i]
        rows.append({k: list(labels) if k == "labels" else s[k] for k in MERGED_KEYS})
    return rows
