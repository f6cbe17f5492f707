"""The int8 ONNX export: scores close to fp32, and a quiet export (no warnings for a new user)."""

import logging
import warnings

import numpy as np

from clausewise.model import ClauseModel
from clausewise.onnx_backend import INT8_FILE, export_int8
from tests.utils import tiny_config, toy_records
from training.train import fit


def test_export_is_quiet_and_scores_match_fp32(tiny_base, taxonomy, tmp_path, caplog):
    from clausewise.model_dir import save_model_dir

    result = fit(toy_records(2), taxonomy, tiny_config(tiny_base), progress=False)
    save_model_dir(tmp_path, result.model, result.tokenizer, result.info, int8=False)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        path = export_int8(tmp_path, result.model, result.tokenizer)
    assert path.name == INT8_FILE and path.is_file()
    assert not caught, [str(w.message)[:80] for w in caught]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    texts = ["We use cookies.", "Children under 13."]
    int8 = ClauseModel.load(tmp_path, device="cpu", backend="onnx")
    assert np.abs(int8.scores(texts) - result.predictor().scores(texts)).max() < 0.05
