"""Inference: length batching, backends, label choice."""

import pytest

from clausewise.model import ClauseModel, _length_batches
from clausewise.model_dir import save_model_dir
from tests.utils import tiny_config, toy_records
from training.train import fit


def test_length_batches_respect_item_and_token_budgets():
    lengths = [5, 120, 7, 60, 6, 118, 9, 61]
    batches = _length_batches(lengths, batch_size=3, max_tokens=130)
    assert sorted(i for b in batches for i in b) == list(range(8))
    for b in batches:
        assert (len(b) <= 3 and len(b) * max(lengths[i] for i in b) <= 130) or len(b) == 1
    assert [lengths[i] for i in batches[0]] == [5, 6, 7]


def test_length_batches_do_not_pad_many_short_clauses_to_one_long_one():
    lengths = [3] * 30 + [60, 62]
    batches = _length_batches(lengths, batch_size=32, max_tokens=2048)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert sorted(len(b) for b in batches) == [2, 30] and padded == 30 * 3 + 2 * 62


def test_load_rejects_unknown_backend_and_missing_onnx(tiny_base, taxonomy, tmp_path):
    result = fit(toy_records(2), taxonomy, tiny_config(tiny_base), progress=False)
    save_model_dir(tmp_path, result.model, result.tokenizer, result.info, int8=False)
    with pytest.raises(ValueError, match="backend must be"):
        ClauseModel.load(tmp_path, backend="tflite")
    with pytest.raises(FileNotFoundError, match="no int8 ONNX file"):
        ClauseModel.load(tmp_path, backend="onnx")
    assert ClauseModel.load(tmp_path).backend == "torch-cpu"  # auto falls back when nothing was exported


def test_chosen_labels_honour_thresholds_and_come_highest_first(tiny_base, taxonomy):
    result = fit(toy_records(2), taxonomy, tiny_config(tiny_base), progress=False)
    model = result.predictor()
    row = [0.0] * len(model.labels)
    row[0], row[1], row[2] = 0.6, 0.9, 0.4
    assert [n for n, _ in model.chosen(row, 0.5)] == [model.labels[1], model.labels[0]]
    assert model.chosen(row, 0.95) == []
    model.info.thresholds = [0.3] * len(model.labels)
    assert [n for n, _ in model.chosen(row)] == [model.labels[1], model.labels[0], model.labels[2]]
    assert model.predict(["We use cookies."], threshold=1.01) == [{}]


def test_model_info_names_the_context_it_reads():
    from clausewise.model_dir import ModelInfo

    assert ModelInfo(["a"], [0.5]).context == "none" and not ModelInfo(["a"], [0.5]).paired
    assert ModelInfo(["a"], [0.5], lead_in=True).context == "lead-in"
    assert ModelInfo(["a"], [0.5], use_heading=True).context == "heading"
    with pytest.raises(ValueError, match="one context"):
        ModelInfo(["a"], [0.5], use_heading=True, lead_in=True)
