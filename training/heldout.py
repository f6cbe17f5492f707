"""The held-out quality gate: labels/heldout/, written apart from the training sets and never trained on.

    metrics = evaluate_heldout(model, taxonomy)     # clauses, paragraphs (two ways), document coverage

Scored three ways, as users meet the model: every clause (with its heading, as /analyze sends it);
every paragraph of the documents (a) sent whole, as a user pastes it into /classify, and (b) as the
union of its clauses' labels, as /analyze shows it; and per document, whether each topic is covered
at all (the coverage panel), counted as accuracy over documents x labels.
"""

from __future__ import annotations

import numpy as np

from clausewise.model import ClauseModel
from clausewise.taxonomy import Taxonomy
from training.data import LABELS_DIR, LabelRecord, load_records
from training.metrics import multi_hot, report
from training.paragraphs import paragraphs

HELDOUT_DIR = LABELS_DIR / "heldout"


def heldout_records(taxonomy: Taxonomy) -> list[LabelRecord]:
    """The held-out clauses (raises when the set is missing or invalid)."""
    return load_records([HELDOUT_DIR], taxonomy)


def _summary(y: np.ndarray, pred: np.ndarray, names: tuple[str, ...]) -> dict:
    r = report(y, pred, names)
    return {"macro_f1": round(r["macro_f1"], 4), "micro_f1": round(r["micro_f1"], 4), "n": int(len(y)),
            "per_label_f1": {n: round(v["f1"], 4) for n, v in r["per_label"].items()}}


def evaluate_heldout(model: ClauseModel, taxonomy: Taxonomy, records: list[LabelRecord] | None = None) -> dict:
    """Held-out figures of a model: clause, paragraph (classify and analyze paths) and coverage."""
    names = taxonomy.names
    if tuple(model.labels) != names:
        raise ValueError(f"the model's labels {model.labels} are not the taxonomy's {list(names)}")
    records = records if records is not None else heldout_records(taxonomy)
    cut = np.asarray(model.info.thresholds)
    clause_pred = (model.scores([r.text for r in records], [r.heading for r in records]) >= cut).astype(np.float32)
    y = multi_hot([r.labels for r in records], names)

    paras = paragraphs(records, names)
    by_doc: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        by_doc.setdefault(r.doc, []).append(i)
    members = [[i for i in by_doc[p.doc] if p.start <= records[i].start and records[i].end <= p.end] for p in paras]
    y_para = multi_hot([p.labels for p in paras], names)
    classify = (model.scores([p.text for p in paras], [p.heading for p in paras]) >= cut).astype(np.float32)
    analyze = np.stack([clause_pred[m].max(0) for m in members])

    docs = sorted(by_doc)
    y_doc = np.stack([y[by_doc[d]].max(0) for d in docs])
    pred_doc = np.stack([clause_pred[by_doc[d]].max(0) for d in docs])
    per_label_cov = {n: round(float((y_doc[:, j] == pred_doc[:, j]).mean()), 4) for j, n in enumerate(names)}
    return {
        "clauses": _summary(y, clause_pred, names),
        "paragraphs_classify": _summary(y_para, classify, names),
        "paragraphs_analyze": _summary(y_para, analyze, names),
        "coverage": {"accuracy": round(float((y_doc == pred_doc).mean()), 4), "documents": len(docs),
                     "per_label_accuracy": per_label_cov},
    }


def summary_line(m: dict) -> str:
    """One line of the four headline figures."""
    return (f"held-out macro-F1: clauses {m['clauses']['macro_f1']:.3f}, paragraphs (classify) "
            f"{m['paragraphs_classify']['macro_f1']:.3f}, paragraphs (analyze) {m['paragraphs_analyze']['macro_f1']:.3f}; "
            f"coverage accuracy {m['coverage']['accuracy']:.3f} over {m['coverage']['documents']} documents")
