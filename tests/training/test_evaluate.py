"""Cross-validation by whole documents, the baseline and the report."""

import json

from tests.utils import tiny_config, toy_records
from training.config import TrainConfig
from training.evaluate import cross_validate_all, folds, grouped_folds, protocol, write_reports


def test_folds_hold_out_whole_documents():
    records = toy_records(3)
    for doc, train_idx, test_idx in folds(records):
        assert {records[i].doc for i in test_idx} == {doc}
        assert doc not in {records[i].doc for i in train_idx}
        assert sorted(train_idx + test_idx) == list(range(len(records)))


def test_many_documents_are_grouped_into_folds_never_split():
    records = toy_records(12)
    all_folds = folds(records, max_folds=5)
    assert len(all_folds) == 5 and protocol(records, 5).startswith("5-fold grouped by document over 12 documents")
    seen = []
    for _name, train_idx, test_idx in all_folds:
        assert not {records[i].doc for i in train_idx} & {records[i].doc for i in test_idx}
        seen += test_idx
    assert sorted(seen) == list(range(len(records)))
    by_group = grouped_folds(records, 3, lambda d: "even" if int(d[3:]) % 2 == 0 else "odd")
    for fold in by_group:  # each fold holds documents of both groups
        assert {int(records[i].doc[3:]) % 2 for i in fold} == {0, 1}


def test_cross_validation_writes_metrics_report_and_plot(tiny_base, taxonomy, tmp_path, capsys):
    config = tiny_config(tiny_base)
    results = cross_validate_all(toy_records(3), taxonomy, config, progress=False)
    assert set(results["fold_thresholds"]) == {"doc0", "doc1", "doc2"}
    out = write_reports(results, taxonomy, config, tmp_path)
    assert capsys.readouterr().out == ""  # the library writes files and prints nothing; the CLI prints the table
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"transformer", "baseline", "summary"} <= set(metrics)
    assert metrics["transformer"]["per_label"]["contact"]["support"] == 12
    assert "| contact | 12 |" in (out / "report.md").read_text()
    assert (out / "f1.png").stat().st_size > 1000 and (tmp_path / "latest" / "f1.png").exists()


def test_int8_cross_validation_scores_through_exported_models(tiny_base, taxonomy):
    results = cross_validate_all(toy_records(3), taxonomy, tiny_config(tiny_base), progress=False, int8=True)
    assert results["summary"]["backend"] == "onnx-int8"
    assert results["transformer"]["per_label"]["children"]["support"] == 12


def test_baseline_learns_the_toy_set(taxonomy):
    results = cross_validate_all(toy_records(3), taxonomy, TrainConfig(), baseline_only=True, progress=False)
    assert results["baseline"]["micro_f1"] > 0.8
