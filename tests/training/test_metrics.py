"""Threshold tuning and the F1 report."""

import numpy as np

from training.metrics import report, tune_thresholds


def test_tune_thresholds_finds_the_separating_cut_and_keeps_default_without_positives():
    y = np.array([[1, 0], [1, 0], [0, 0], [0, 0]], dtype=np.float32)
    s = np.array([[0.3, 0.9], [0.25, 0.1], [0.1, 0.2], [0.05, 0.3]], dtype=np.float32)
    t = tune_thresholds(y, s)
    assert 0.1 < t[0] <= 0.25 and t[1] == 0.5


def test_report_macro_averages_only_labels_with_support():
    y = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    r = report(y, y.copy(), ["a", "b", "c"])
    assert r["macro_f1"] == 1.0 and r["micro_f1"] == 1.0 and r["per_label"]["c"]["support"] == 0


def test_bagged_thresholds_are_steadier_than_one_tuning_and_still_separate():
    from training.metrics import bagged_thresholds

    rng = np.random.default_rng(0)
    y = (rng.random((200, 1)) < 0.3).astype(np.float32)
    s = np.clip(y * 0.6 + rng.normal(0.2, 0.15, (200, 1)), 0, 1)
    t = bagged_thresholds(y, s, bags=25, seed=1)
    assert 0.2 < t[0] < 0.8 and t.dtype == np.float32
    assert np.array_equal(t, bagged_thresholds(y, s, bags=25, seed=1))
