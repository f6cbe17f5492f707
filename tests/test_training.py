"""Training, evaluation and storing, on a tiny in-memory dataset; one test uses the real base model."""

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import TOY_TEXTS, toy_records
from clausewise.model import ClauseModel
from training.config import TrainConfig
from training.evaluate import cross_validate_all, folds, write_reports
from training.metrics import multi_hot, report, tune_thresholds
from training.train import bucketed_batches, build_metadata, fit, main, store_model, validation_split


def tiny_config(tiny_base, **kw):
    return TrainConfig(base_model=str(tiny_base), epochs=2, batch_size=8, **kw)


def test_folds_hold_out_whole_documents():
    records = toy_records(3)
    for doc, train_idx, test_idx in folds(records):
        assert {records[i].doc for i in test_idx} == {doc}
        assert doc not in {records[i].doc for i in train_idx}
        assert sorted(train_idx + test_idx) == list(range(len(records)))


def test_validation_split_is_seeded_and_disjoint():
    records = toy_records(3)
    a = validation_split(records, 0.2, seed=1)
    assert a == validation_split(records, 0.2, seed=1)
    train, val = a
    assert not set(train) & set(val) and len(train) + len(val) == len(records)
    assert {label for i in val for label in records[i].labels} == set(TOY_TEXTS)


def test_bucketed_batches_cover_every_row_once_and_group_similar_lengths():
    import torch

    lengths = [(i * 37) % 101 for i in range(300)]
    batches = bucketed_batches(lengths, 8, torch.Generator().manual_seed(0), pool=4)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(300)) and all(len(b) <= 8 for b in batches)
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches])
    assert spread < 30  # random batches of 8 over 0..100 would spread ~75


def test_length_batches_respect_item_and_token_budgets():
    from clausewise.model import _length_batches

    lengths = [5, 120, 7, 60, 6, 118, 9, 61]
    batches = _length_batches(lengths, batch_size=3, max_tokens=130)
    assert sorted(i for b in batches for i in b) == list(range(8))
    for b in batches:
        assert len(b) <= 3 and len(b) * max(lengths[i] for i in b) <= 130 or len(b) == 1
    assert [lengths[i] for i in batches[0]] == [5, 6, 7]


def test_length_batches_do_not_pad_many_short_clauses_to_one_long_one():
    from clausewise.model import _length_batches

    lengths = [3] * 30 + [60, 62]
    batches = _length_batches(lengths, batch_size=32, max_tokens=2048)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert sorted(len(b) for b in batches) == [2, 30] and padded == 30 * 3 + 2 * 62


def test_tune_thresholds_finds_the_separating_cut_and_keeps_default_without_positives():
    y = np.array([[1, 0], [1, 0], [0, 0], [0, 0]], dtype=np.float32)
    s = np.array([[0.3, 0.9], [0.25, 0.1], [0.1, 0.2], [0.05, 0.3]], dtype=np.float32)
    t = tune_thresholds(y, s)
    assert 0.1 < t[0] <= 0.25 and t[1] == 0.5


def test_report_macro_averages_only_labels_with_support():
    y = np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32)
    r = report(y, y.copy(), ["a", "b", "c"])
    assert r["macro_f1"] == 1.0 and r["micro_f1"] == 1.0 and r["per_label"]["c"]["support"] == 0


def test_fit_with_tiny_model_is_reproducible_and_predicts_label_names(tiny_base, taxonomy):
    records = toy_records(2)
    a = fit(records, taxonomy, tiny_config(tiny_base), progress=False)
    b = fit(records, taxonomy, tiny_config(tiny_base), progress=False)
    texts = ["We use cookies.", "Call us."]
    assert np.allclose(a.predictor().scores(texts), b.predictor().scores(texts), atol=1e-5)
    assert len(a.info.thresholds) == len(taxonomy)
    preds = a.predictor().predict(texts, threshold=0.0)
    assert set(preds[0]) == set(taxonomy.names)
    assert a.predictor().predict(texts, threshold=1.0) == [{}, {}]


def test_heading_input_trains_and_scores(tiny_base, taxonomy):
    records = [r.__class__(**{**r.__dict__, "heading": "Cookies"}) for r in toy_records(2)]
    result = fit(records, taxonomy, tiny_config(tiny_base, use_heading=True), progress=False)
    scores = result.predictor().scores(["We use cookies.", "Call us."], ["Cookies", None])
    assert scores.shape == (2, len(taxonomy)) and np.all((scores >= 0) & (scores <= 1))


def test_many_documents_are_grouped_into_folds_never_split():
    from training.evaluate import grouped_folds, protocol

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


def test_cross_set_evaluation_trains_on_one_set_and_scores_the_other(tiny_base, taxonomy, tmp_path, monkeypatch):
    import training.crossset as crossset

    seeds, authored = tmp_path / "seeds.jsonl", tmp_path / "authored"
    authored.mkdir()
    seeds.write_text("".join(json.dumps(r.to_json()) + "\n" for r in toy_records(2)))
    other = [r.__class__(**{**r.__dict__, "id": "a" + r.id, "doc": "a" + r.doc}) for r in toy_records(4)]
    (authored / "a.jsonl").write_text("".join(json.dumps(r.to_json()) + "\n" for r in other))
    monkeypatch.setattr(crossset, "LABEL_SETS", {"seeds": seeds, "authored": authored})
    rows = crossset.run(["cross", "within", "union"], taxonomy, tiny_config(tiny_base), 2, tmp_path / "out" / "run")
    assert [r["name"] for r in rows] == ["seeds->authored", "authored->seeds", "authored-cv", "union-cv:seeds", "union-cv:authored"]
    assert [r["clauses"] for r in rows] == [52, 26, 52, 26, 52]
    assert all(0 <= r["macro_f1"] <= 1 for r in rows)
    report = (tmp_path / "out" / "latest" / "report.md").read_text()
    assert "| seeds->authored | seeds | authored |" in report and "Per-label F1" in report


def test_cross_validation_writes_metrics_report_and_plot(tiny_base, taxonomy, tmp_path):
    config = tiny_config(tiny_base)
    results = cross_validate_all(toy_records(3), taxonomy, config, progress=False)
    assert set(results["fold_thresholds"]) == {"doc0", "doc1", "doc2"}
    out = write_reports(results, taxonomy, config, tmp_path)
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


def test_stored_model_round_trips_with_metadata(tiny_base, taxonomy):
    import bentoml

    records = toy_records(2)
    config = tiny_config(tiny_base)
    result = fit(records, taxonomy, config, progress=False)
    tag = store_model(result, build_metadata(result, taxonomy, records, config, None), name="test-roundtrip")
    # exporting must not switch the caller's model back to training mode (dropout on)
    assert not any(m.training for m in result.model.modules())
    stored = bentoml.models.get(tag)
    meta = stored.info.metadata
    assert meta["labels"] == list(taxonomy.names) and len(meta["data_hash"]) == 64
    assert set(meta["thresholds"]) == set(taxonomy.names) and meta["config"]["epochs"] == 2
    assert meta["cv_metrics"] == {}
    config_json = json.loads(open(stored.path_of("config.json")).read())
    assert config_json["id2label"]["0"] == "data_collection"
    texts = ["We use cookies.", "Children under 13.", "Write to privacy@example.com with questions."]
    reference = result.predictor().scores(texts)
    fp32 = ClauseModel.load(stored.path, device="cpu", backend="torch")
    assert fp32.backend == "torch-cpu" and np.allclose(fp32.scores(texts), reference, atol=1e-5)
    int8 = ClauseModel.load(stored.path, device="cpu")
    assert int8.backend == "onnx-int8" and (Path(stored.path) / "model.int8.onnx").is_file()
    assert np.abs(int8.scores(texts) - reference).max() < 0.05


def test_load_rejects_unknown_backend_and_missing_onnx(tiny_base, taxonomy, tmp_path):
    from clausewise.model import save_model_dir

    result = fit(toy_records(2), taxonomy, tiny_config(tiny_base), progress=False)
    save_model_dir(tmp_path, result.model, result.tokenizer, result.info)
    with pytest.raises(ValueError, match="backend must be"):
        ClauseModel.load(tmp_path, backend="tflite")
    with pytest.raises(FileNotFoundError, match="no model.int8.onnx"):
        ClauseModel.load(tmp_path, backend="onnx")
    assert ClauseModel.load(tmp_path).backend == "torch-cpu"  # auto falls back when nothing was exported


def test_train_cli_rejects_bad_label_file_and_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "doc": "d", "text": "x", "labels": ["nope"]}\n')
    assert main(["--labels", str(bad), "--cv", "none"]) == 2
    assert "unknown label(s) ['nope']" in capsys.readouterr().err
    assert main(["--epochs", "0", "--cv", "none"]) == 2
    assert "epochs must be an integer >= 1" in capsys.readouterr().err


def test_train_cli_trains_on_a_users_own_taxonomy(tiny_base, tmp_path):
    import bentoml

    tax = tmp_path / "tax.yaml"
    tax.write_text("labels:\n  - name: cookies\n    definition: cookie talk\n  - name: kids\n    definition: children\n")
    rows = [{"id": f"{d}-{i}", "doc": f"d{d}", "text": t + f" ({d})", "labels": [lab]}
            for d in range(2) for i, (lab, t) in enumerate(
                [("cookies", "We use cookies."), ("cookies", "Cookies track you."), ("kids", "Children under 13."),
                 ("kids", "Minors need consent.")])]
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    args = ["--taxonomy", str(tax), "--labels", str(data), "--base-model", str(tiny_base), "--epochs", "1",
            "--name", "user-model", "--reports", str(tmp_path / "rep")]
    assert main(args) == 0
    meta = bentoml.models.get("user-model:latest").info.metadata
    assert meta["labels"] == ["cookies", "kids"] and meta["cv_metrics"]["transformer"]["macro_f1"] >= 0
    assert (tmp_path / "rep" / "latest" / "report.md").exists()


@pytest.mark.slow
def test_real_base_model_learns_a_separable_toy_set(taxonomy):
    records = toy_records(3)
    result = fit(records, taxonomy, TrainConfig(epochs=6, tune_thresholds=False), progress=False)
    model = result.predictor()
    probes = {
        "cookies_tracking": "Our cookies store your preferences.",
        "contact": "Email our privacy team at dpo@shop.com.",
        "children": "Kids under 13 cannot sign up without a parent.",
    }
    scores = model.scores(list(probes.values()))
    for row, label in zip(scores, probes):
        assert model.labels[int(np.argmax(row))] == label
