"""Leave-one-document-out cross-validation of the transformer and a TF-IDF baseline.

    clausewise evaluate                    # both, on the default selection; writes reports/<run>/
    clausewise evaluate --use-heading true --epochs 8
    clausewise evaluate --baseline-only

Up to five documents, each is held out in turn (beyond that, five folds of whole documents); the model trains on the others (thresholds tuned on a split of
those), scores the held-out document, and all out-of-fold predictions are pooled and scored once.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from tqdm.auto import tqdm

from clausewise.model import ClauseModel
from clausewise.model_dir import save_model_dir
from clausewise.taxonomy import Taxonomy
from clausewise.text import plain_text
from training.config import TrainConfig
from training.data import LabelRecord, record_contexts
from training.metrics import multi_hot, report
from training.train import FitResult, fit

MAX_FOLDS = 5  # more documents than this: documents are grouped into this many folds


def grouped_folds(records: list[LabelRecord], k: int, group_of=lambda doc: "all") -> list[list[int]]:
    """k folds of record indices made of whole documents, balanced by clause count within each group."""
    sizes = Counter(r.doc for r in records)
    fold_of: dict[str, int] = {}
    for group in sorted({group_of(d) for d in sizes}):
        load = [0] * k
        for doc in sorted((d for d in sizes if group_of(d) == group), key=lambda d: (-sizes[d], d)):
            j = min(range(k), key=lambda i: (load[i], i))
            fold_of[doc] = j
            load[j] += sizes[doc]
    return [[i for i, r in enumerate(records) if fold_of[r.doc] == j] for j in range(k)]


def folds(records: list[LabelRecord], max_folds: int = MAX_FOLDS) -> list[tuple[str, list[int], list[int]]]:
    """(held-out name, train indices, test indices): one fold per document up to max_folds documents,
    else max_folds folds of whole documents. A document is never on both sides."""
    docs = sorted({r.doc for r in records})
    if len(docs) < 2:
        raise ValueError(f"leave-one-document-out needs at least 2 documents, found {len(docs)}: {docs}")
    if len(docs) <= max_folds:
        return [
            (d, [i for i, r in enumerate(records) if r.doc != d], [i for i, r in enumerate(records) if r.doc == d])
            for d in docs
        ]
    out = []
    for j, test_idx in enumerate(grouped_folds(records, max_folds)):
        held = set(test_idx)
        n_docs = len({records[i].doc for i in test_idx})
        out.append((f"group{j + 1}-{n_docs}docs", [i for i in range(len(records)) if i not in held], test_idx))
    return out


def protocol(records: list[LabelRecord], max_folds: int = MAX_FOLDS) -> str:
    """Human-readable name of the cross-validation protocol folds() applies to these records."""
    n = len({r.doc for r in records})
    kind = "leave-one-document-out" if n <= max_folds else f"{max_folds}-fold grouped by document"
    return f"{kind} over {n} documents, {len(records)} clauses"


def _fold_predictor(result: FitResult, config: TrainConfig, int8: bool) -> ClauseModel:
    """The fold model as served: through its exported int8 ONNX file, or in-memory torch."""
    if not int8:
        return result.predictor(config.device)
    # The session and tokenizer are held in memory once loaded, so the folder can go at once.
    with tempfile.TemporaryDirectory(prefix="clausewise-fold-") as folder:
        save_model_dir(folder, result.model, result.tokenizer, result.info)
        return ClauseModel.load(folder, device="cpu", backend="onnx")


def fit_and_score(
    train: list[LabelRecord],
    test: list[LabelRecord],
    taxonomy: Taxonomy,
    config: TrainConfig,
    progress: bool,
    desc: str,
    int8: bool = False,
):
    """Fit on `train` (thresholds tuned on its own split) and score `test`; returns (FitResult, scores)."""
    result = fit(train, taxonomy, config, progress, desc=desc)
    return result, _fold_predictor(result, config, int8).scores(
        [r.text for r in test], record_contexts(test, result.info.context)
    )


def transformer_cv(
    records: list[LabelRecord], taxonomy: Taxonomy, config: TrainConfig, progress: bool = True, int8: bool = False
) -> dict:
    """Out-of-fold scores, tuned-threshold and 0.5 predictions of the transformer."""
    names = taxonomy.names
    scores = np.zeros((len(records), len(names)), dtype=np.float32)
    tuned = np.zeros_like(scores)
    fold_thresholds = {}
    seconds = {}
    all_folds = folds(records)
    for k, (doc, train_idx, test_idx) in enumerate(all_folds, 1):
        result, s = fit_and_score(
            [records[i] for i in train_idx],
            [records[i] for i in test_idx],
            taxonomy,
            config,
            progress,
            f"fold {k}/{len(all_folds)} ({doc[:12]})",
            int8,
        )
        scores[test_idx] = s
        tuned[test_idx] = s >= np.asarray(result.info.thresholds)
        fold_thresholds[doc] = result.info.thresholds
        seconds[doc] = round(result.seconds, 1)
    return {
        "scores": scores,
        "pred_tuned": tuned.astype(np.float32),
        "pred_05": (scores >= 0.5).astype(np.float32),
        "fold_thresholds": fold_thresholds,
        "fold_seconds": seconds,
    }


def _baseline_features() -> FeatureUnion:
    return FeatureUnion(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)),
        ]
    )


def baseline_cv(records: list[LabelRecord], taxonomy: Taxonomy) -> dict:
    """TF-IDF (words + character n-grams) + one balanced logistic regression per label, same folds."""
    names = taxonomy.names
    texts = [plain_text(r.text) for r in records]
    y = multi_hot([r.labels for r in records], names)
    pred = np.zeros_like(y)
    for _doc, train_idx, test_idx in tqdm(folds(records), desc="baseline folds", unit="fold"):
        feats = _baseline_features()
        x_train = feats.fit_transform([texts[i] for i in train_idx])
        x_test = feats.transform([texts[i] for i in test_idx])
        for j in range(len(names)):
            yj = y[train_idx, j]
            if yj.min() == yj.max():  # label absent (or everywhere) in training: predict the constant
                pred[test_idx, j] = yj[0]
                continue
            clf = LogisticRegression(class_weight="balanced", max_iter=2000, C=4.0)
            clf.fit(x_train, yj)
            pred[test_idx, j] = clf.predict(x_test)
    return {"pred": pred}


def cross_validate_all(
    records: list[LabelRecord],
    taxonomy: Taxonomy,
    config: TrainConfig,
    baseline_only: bool = False,
    progress: bool = True,
    int8: bool = False,
) -> dict:
    """Run both cross-validations and summarise them side by side."""
    names = taxonomy.names
    y = multi_hot([r.labels for r in records], names)
    started = time.time()
    base = baseline_cv(records, taxonomy)
    out: dict = {"baseline": report(y, base["pred"], names)}
    if not baseline_only:
        tr = transformer_cv(records, taxonomy, config, progress, int8)
        out["transformer"] = report(y, tr["pred_tuned"], names)
        out["transformer_threshold_0.5"] = report(y, tr["pred_05"], names)
        out["fold_thresholds"] = tr["fold_thresholds"]
        out["fold_seconds"] = tr["fold_seconds"]
    out["seconds"] = round(time.time() - started, 1)
    out["summary"] = {
        key: {"micro_f1": round(out[key]["micro_f1"], 4), "macro_f1": round(out[key]["macro_f1"], 4)}
        for key in ("transformer", "transformer_threshold_0.5", "baseline")
        if key in out
    }
    out["summary"]["backend"] = "onnx-int8" if int8 else "torch-fp32"
    out["summary"]["protocol"] = protocol(records)
    return out


def summary_table(results: dict, names: tuple[str, ...]) -> str:
    """Markdown table: per-label F1 and support, transformer vs baseline, then micro/macro rows."""
    has_tr = "transformer" in results
    head = "| label | support | transformer F1 | P | R | baseline F1 |\n|---|---:|---:|---:|---:|---:|"
    rows = [head]
    for name in names:
        b = results["baseline"]["per_label"][name]
        t = results["transformer"]["per_label"][name] if has_tr else None
        rows.append(
            f"| {name} | {b['support']} | {t['f1']:.3f} | {t['precision']:.3f} | {t['recall']:.3f} | {b['f1']:.3f} |"
            if t
            else f"| {name} | {b['support']} | - | - | - | {b['f1']:.3f} |"
        )
    for key in ("micro_f1", "macro_f1"):
        tv = f"**{results['transformer'][key]:.3f}**" if has_tr else "-"
        rows.append(f"| **{key}** | | {tv} | | | **{results['baseline'][key]:.3f}** |")
    if has_tr:
        r05 = results["transformer_threshold_0.5"]
        rows.append(
            f"| transformer at threshold 0.5 | | micro {r05['micro_f1']:.3f}, macro {r05['macro_f1']:.3f} | | | |"
        )
    return "\n".join(rows)


def write_reports(results: dict, taxonomy: Taxonomy, config: TrainConfig, root: Path) -> Path:
    """metrics.json, report.md and f1.png in root/<timestamp>/, also copied to root/latest/."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = root / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    payload = {k: v for k, v in results.items()}
    payload["config"] = config.to_dict()
    (out / "metrics.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    table = summary_table(results, taxonomy.names)
    (out / "report.md").write_text(
        f"# Cross-validation report\n\n{results['summary']['protocol']}; {results['seconds']} s.\n\n{table}\n\n"
        f"Config: `{json.dumps(config.to_dict())}`\n\n![per-label F1](f1.png)\n",
        encoding="utf-8",
    )
    names = list(taxonomy.names)
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.4
    if "transformer" in results:
        ax.bar(
            x - width / 2,
            [results["transformer"]["per_label"][n]["f1"] for n in names],
            width,
            label="MiniLM (tuned thresholds)",
            color="#0072B2",
        )
    ax.bar(
        x + width / 2,
        [results["baseline"]["per_label"][n]["f1"] for n in names],
        width,
        label="TF-IDF + LR",
        color="#E69F00",
    )
    ax.set_xticks(x, names, rotation=35, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1 (whole documents held out)")
    ax.legend()
    ax.set_title("Per-label F1, pooled out-of-fold predictions")
    fig.tight_layout()
    fig.savefig(out / "f1.png", dpi=110)
    plt.close(fig)
    latest = root / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    for f in ("metrics.json", "report.md", "f1.png"):
        (latest / f).write_bytes((out / f).read_bytes())
    return out
