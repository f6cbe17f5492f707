"""The context stack (clausewise.context_scores) for labelled records: fitted on whole validation
documents after fine-tuning, and applied to held-out documents as /analyze applies it to a policy.

    stack = fit_context_stack(model, val_records, seed=13)   # per-label weights, thresholds from 5 folds
    rows, cut, plain = scores_in_context(model, records)     # rows as /analyze gives them, thresholds, no-stack rows
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from clausewise.analysis import analyze_thresholds
from clausewise.context_scores import FEATURES, ContextStack, Layout, features, paragraph_inputs
from clausewise.model import ClauseModel
from clausewise.segment import detect_format
from clausewise.segment.paragraphs import paragraph_ids
from training.data import LabelRecord, record_contexts
from training.metrics import multi_hot, tune_thresholds
from training.paragraphs import source_text

FOLDS = 5  # the thresholds are tuned on out-of-fold probabilities, documents kept whole per fold
REPEATS = 5  # fold assignments whose thresholds are pooled (median)
REGULARISATION = 1.0  # scikit-learn's C: about 80 weights fitted on thousands of clauses


def document_layouts(records: list[LabelRecord]) -> list[tuple[list[int], Layout]]:
    """Per document: the indices of its scored records (not chrome) in document order, and their Layout."""
    by_doc: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        if r.kind != "chrome":
            by_doc.setdefault(r.doc, []).append(i)
    out = []
    for doc, idx in by_doc.items():
        idx.sort(key=lambda i: (records[i].start if records[i].start is not None else -1, i))
        text = source_text(doc)
        spans = [(records[i].start, records[i].end) for i in idx]
        if text is not None and all(s is not None and e is not None for s, e in spans):
            ids = paragraph_ids(text, spans, detect_format(text))  # type: ignore[arg-type]
        else:
            ids = [-1] * len(idx)  # no source text or offsets: every clause is its own paragraph
        rs = [records[i] for i in idx]
        out.append((idx, Layout.of([r.text for r in rs], [r.heading for r in rs], [r.kind for r in rs], ids)))
    return out


def _scored(
    model: ClauseModel, records: list[LabelRecord], paragraphs: bool = True
) -> list[tuple[list[int], Layout, np.ndarray, np.ndarray]]:
    """Per document: (indices, layout, clause rows, paragraph rows: none unless `paragraphs`), every
    input scored in one call."""
    layouts = document_layouts(records)
    contexts = record_contexts(records, model.info.context)
    texts: list[str] = []
    ctx: list[str | None] = []
    for idx, layout in layouts:
        t, c = [records[i].text for i in idx], [contexts[i] for i in idx]
        more, more_ctx = paragraph_inputs(t, c, layout) if paragraphs else ([], [])
        texts += t + more
        ctx += c + more_ctx
    rows = model.scores(texts, ctx)
    out, at = [], 0
    for idx, layout in layouts:
        n, m = len(idx), len(layout.joined) if paragraphs else 0
        out.append((idx, layout, rows[at : at + n], rows[at + n : at + n + m]))
        at += n + m
    return out


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _label_f1(y: np.ndarray, probs: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Per-label F1 of `probs` chosen at `cut`."""
    return f1_score(y, probs >= cut, average=None, zero_division=0)


def _out_of_fold(x: np.ndarray, y: np.ndarray, docs: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold stack probabilities, documents kept whole within a fold."""
    fold = np.random.default_rng(seed).permutation(docs.max() + 1)[docs] % FOLDS
    oof = _sigmoid(x[:, :, 0])  # a label that cannot be fitted keeps the clause's own score
    for j in range(y.shape[1]):
        for k in range(FOLDS):
            train, test = fold != k, fold == k
            if test.any() and y[train, j].min() != y[train, j].max():
                part = LogisticRegression(C=REGULARISATION, max_iter=1000).fit(x[train, j], y[train, j])
                oof[test, j] = part.predict_proba(x[test, j])[:, 1]
    return oof


def fit_context_stack(model: ClauseModel, records: list[LabelRecord], seed: int = 13) -> ContextStack:
    """Per-label logistic weights over FEATURES fitted on these whole documents.

    Thresholds: the median over REPEATS fold assignments of those tuned on out-of-fold probabilities
    (one assignment alone moved held-out macro-F1 by up to 0.008). A label whose out-of-fold F1 does
    not beat the clause's own score (threshold tuned on the same documents) keeps that score and
    threshold: context does not help every topic."""
    names = tuple(model.labels)
    parts = _scored(model, records)
    x = np.concatenate([features(c, p, layout) for _, layout, c, p in parts])  # (n, labels, features)
    y = multi_hot([records[i].labels for idx, *_ in parts for i in idx], names)
    docs = np.concatenate([[k] * len(idx) for k, (idx, *_) in enumerate(parts)]).astype(int)
    weights, bias = np.zeros((len(names), len(FEATURES))), np.zeros(len(names))
    for j in range(len(names)):
        if y[:, j].min() != y[:, j].max():  # a label absent (or everywhere) is not fitted
            fitted = LogisticRegression(C=REGULARISATION, max_iter=1000).fit(x[:, j], y[:, j])
            weights[j], bias[j] = fitted.coef_[0], fitted.intercept_[0]
    oofs = [_out_of_fold(x, y, docs, seed + r) for r in range(REPEATS)]
    cuts = [tune_thresholds(y, oof) for oof in oofs]
    thresholds = np.median(cuts, axis=0)
    stack_f1 = np.mean([_label_f1(y, oof, cut) for oof, cut in zip(oofs, cuts)], axis=0)
    own = _sigmoid(x[:, :, 0])
    own_cut = tune_thresholds(y, own)
    clause_only = (stack_f1 <= _label_f1(y, own, own_cut)) | (weights == 0).all(1)
    weights[clause_only], bias[clause_only] = np.eye(len(FEATURES))[0], 0.0
    thresholds[clause_only] = own_cut[clause_only]
    return ContextStack(
        weights=weights.round(6).tolist(),
        bias=bias.round(6).tolist(),
        thresholds=[round(float(t), 4) for t in thresholds],
        fitted_on={
            "documents": len(parts),
            "clauses": len(y),
            "clause_only": [n for n, keep in zip(names, clause_only) if keep],
        },
    )


def scores_in_context(model: ClauseModel, records: list[LabelRecord]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(a row per record as /analyze scores it, the thresholds to choose with, the clause model's own rows);
    chrome rows are zeros. Without a context stack the first and last are the same clause scores and the
    thresholds the model's own; every input is scored once."""
    stack = ContextStack.of(model.info)
    plain = np.zeros((len(records), len(model.labels)), dtype=np.float32)
    out = plain.copy()
    for idx, layout, clause_rows, paragraph_rows in _scored(model, records, paragraphs=stack is not None):
        plain[idx] = clause_rows
        out[idx] = stack.apply(clause_rows, paragraph_rows, layout) if stack else clause_rows
    return out, np.asarray(analyze_thresholds(model.info)), plain
