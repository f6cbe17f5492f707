"""Multi-label metrics and per-label threshold tuning."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)


def multi_hot(label_sets: list[tuple[str, ...]], names: tuple[str, ...] | list[str]) -> np.ndarray:
    """(n, n_labels) 0/1 matrix of label sets in taxonomy order."""
    y = np.zeros((len(label_sets), len(names)), dtype=np.float32)
    index = {n: j for j, n in enumerate(names)}
    for i, labels in enumerate(label_sets):
        for label in labels:
            y[i, index[label]] = 1.0
    return y


def tune_thresholds(y_true: np.ndarray, scores: np.ndarray, default: float = 0.5) -> np.ndarray:
    """Per label, the grid threshold with the best F1 on these rows (ties: closest to `default`).

    A label with no positive row keeps `default`: there is nothing to tune on.
    """
    out = np.full(y_true.shape[1], default, dtype=np.float32)
    for j in range(y_true.shape[1]):
        y = y_true[:, j] > 0
        if not y.any():
            continue
        pred = scores[:, j][:, None] >= THRESHOLD_GRID[None, :]  # rows x grid
        tp = (pred & y[:, None]).sum(0)
        f1s = 2 * tp / np.maximum(pred.sum(0) + y.sum(), 1)
        candidates = THRESHOLD_GRID[f1s >= f1s.max() - 1e-9]
        out[j] = candidates[np.argmin(np.abs(candidates - default))]
    return out


def bagged_thresholds(y_true: np.ndarray, scores: np.ndarray, bags: int = 25, seed: int = 0) -> np.ndarray:
    """The median of per-label thresholds tuned on bootstrap resamples of the rows: steadier than one tuning."""
    rng = np.random.default_rng(seed)
    tuned = [
        tune_thresholds(y_true[idx], scores[idx])
        for idx in (rng.integers(0, len(y_true), len(y_true)) for _ in range(bags))
    ]
    return np.median(np.stack(tuned), axis=0).astype(np.float32)


def report(y_true: np.ndarray, y_pred: np.ndarray, names: tuple[str, ...] | list[str]) -> dict:
    """Micro and macro F1 (macro over labels with support) and per-label precision, recall, F1, support."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=0)
    present = s > 0
    per_label = {
        name: {"precision": float(p[j]), "recall": float(r[j]), "f1": float(f[j]), "support": int(s[j])}
        for j, name in enumerate(names)
    }
    return {
        "micro_f1": float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        "macro_f1": float(f[present].mean()) if present.any() else 0.0,
        "samples": len(y_true),
        "per_label": per_label,
    }
