"""Within-set and cross-set evaluation of the label sets (seeds vs authored documents).

    clausewise crossset                      # all experiments, default config
    clausewise crossset --only cross --epochs 3

Experiments (whole documents are always held out; thresholds tuned inside each training set):
  cross    trained on the seeds, scored on the authored documents, and the reverse
  within   the authored set, grouped k-fold by document
  union    seeds + authored, grouped k-fold by document, each fold holding out documents of both
           sets; scored per set, so it compares with the two rows above
Results go to reports/crossset/<timestamp>/ (metrics.json, report.md) and reports/crossset/latest/.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from clausewise.taxonomy import Taxonomy
from training.config import TrainConfig
from training.data import LABELS_DIR, SELECTIONS, LabelRecord, load_records
from training.evaluate import fit_and_score, grouped_folds
from training.metrics import multi_hot, report

LABEL_SETS = {name: LABELS_DIR / SELECTIONS[name][0] for name in ("seeds", "authored")}


def train_and_score(
    train: list[LabelRecord], test: list[LabelRecord], taxonomy: Taxonomy, config: TrainConfig, desc: str
) -> np.ndarray:
    """Fit on `train` (thresholds tuned on its own validation split); tuned 0/1 predictions on `test`."""
    result, scores = fit_and_score(train, test, taxonomy, config, True, desc)
    return (scores >= np.asarray(result.info.thresholds)).astype(np.float32)


def _row(
    name: str,
    trained_on: str,
    scored_on: str,
    protocol: str,
    y: np.ndarray,
    pred: np.ndarray,
    names: tuple[str, ...],
    seconds: float,
) -> dict:
    r = report(y, pred, names)
    return {
        "name": name,
        "trained_on": trained_on,
        "scored_on": scored_on,
        "protocol": protocol,
        "macro_f1": round(r["macro_f1"], 4),
        "micro_f1": round(r["micro_f1"], 4),
        "clauses": len(y),
        "seconds": round(seconds, 1),
        "per_label": r["per_label"],
    }


def run(experiments: list[str], taxonomy: Taxonomy, config: TrainConfig, k: int, out: Path) -> list[dict]:
    """Run the experiments in order, writing results after each one (a long run keeps what it has)."""
    names = taxonomy.names
    seeds = load_records([LABEL_SETS["seeds"]], taxonomy)
    authored = load_records([LABEL_SETS["authored"]], taxonomy)
    rows: list[dict] = []

    def save() -> None:
        write_report(rows, config, k, out)

    if "cross" in experiments:
        for (a_name, a), (b_name, b) in (
            (("seeds", seeds), ("authored", authored)),
            (("authored", authored), ("seeds", seeds)),
        ):
            started = time.time()
            pred = train_and_score(a, b, taxonomy, config, desc=f"{a_name} -> {b_name}")
            rows.append(
                _row(
                    f"{a_name}->{b_name}",
                    a_name,
                    b_name,
                    "all of one set -> all of the other",
                    multi_hot([r.labels for r in b], names),
                    pred,
                    names,
                    time.time() - started,
                )
            )
            save()
    if "within" in experiments:
        started = time.time()
        pred = np.zeros((len(authored), len(names)), dtype=np.float32)
        folds = grouped_folds(authored, k)
        for j, test_idx in enumerate(folds):
            held = set(test_idx)
            train = [r for i, r in enumerate(authored) if i not in held]
            pred[test_idx] = train_and_score(
                train, [authored[i] for i in test_idx], taxonomy, config, desc=f"authored fold {j + 1}/{k}"
            )
        rows.append(
            _row(
                "authored-cv",
                "authored",
                "authored",
                f"grouped {k}-fold by document",
                multi_hot([r.labels for r in authored], names),
                pred,
                names,
                time.time() - started,
            )
        )
        save()
    if "union" in experiments:
        started = time.time()
        union = seeds + authored
        is_seed = {r.doc for r in seeds}
        pred = np.zeros((len(union), len(names)), dtype=np.float32)
        for j, test_idx in enumerate(grouped_folds(union, k, lambda d: "seeds" if d in is_seed else "authored")):
            held = set(test_idx)
            train = [r for i, r in enumerate(union) if i not in held]
            pred[test_idx] = train_and_score(
                train, [union[i] for i in test_idx], taxonomy, config, desc=f"union fold {j + 1}/{k}"
            )
        y = multi_hot([r.labels for r in union], names)
        n_seed = len(seeds)
        for scored_on, sl in (("seeds", slice(0, n_seed)), ("authored", slice(n_seed, None))):
            rows.append(
                _row(
                    f"union-cv:{scored_on}",
                    "seeds+authored",
                    scored_on,
                    f"grouped {k}-fold by document over both sets",
                    y[sl],
                    pred[sl],
                    names,
                    time.time() - started,
                )
            )
        save()
    return rows


def write_report(rows: list[dict], config: TrainConfig, k: int, root: Path) -> Path:
    """metrics.json and report.md under root/<timestamp-of-run>/ and root/latest/."""
    lines = [
        "| experiment | trained on | scored on | protocol | clauses | macro-F1 | micro-F1 |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['name']} | {r['trained_on']} | {r['scored_on']} | {r['protocol']} | {r['clauses']} | "
            f"{r['macro_f1']:.3f} | {r['micro_f1']:.3f} |"
        )
    labels = list(rows[0]["per_label"]) if rows else []
    lines += [
        "",
        "Per-label F1:",
        "",
        "| label | " + " | ".join(r["name"] for r in rows) + " |",
        "|---|" + "---:|" * len(rows),
    ]
    for n in labels:
        lines.append(f"| {n} | " + " | ".join(f"{r['per_label'][n]['f1']:.3f}" for r in rows) + " |")
    text = "# Cross-set evaluation\n\n" + "\n".join(lines) + f"\n\nConfig: `{json.dumps(config.to_dict())}`\n"
    payload = json.dumps({"rows": rows, "folds": k, "config": config.to_dict()}, indent=2)
    for folder in (root, root.parent / "latest"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "metrics.json").write_text(payload, encoding="utf-8")
        (folder / "report.md").write_text(text, encoding="utf-8")
    return root
