"""The store: a stored model with its metadata, loaded through both backends."""

import json
from pathlib import Path

import bentoml
import numpy as np

from clausewise.model import ClauseModel
from tests.utils import tiny_config, toy_records
from training.registry import build_metadata, store_model
from training.train import fit


def test_stored_model_round_trips_with_metadata(tiny_base, taxonomy):
    records = toy_records(2)
    config = tiny_config(tiny_base)
    result = fit(records, taxonomy, config, progress=False)
    tag = store_model(result, build_metadata(result, taxonomy, records, config, None), name="test-roundtrip")
    # exporting must not switch the caller's model back to training mode (dropout on)
    assert not any(m.training for m in result.model.modules())
    stored = bentoml.models.get(tag)
    meta = stored.info.metadata
    assert [t["name"] for t in meta["taxonomy"]] == list(taxonomy.names) and len(meta["data_hash"]) == 64
    assert "thresholds" not in meta and meta["config"]["epochs"] == 2  # thresholds live in the folder only
    assert ClauseModel.load(stored.path).info.thresholds == result.info.thresholds
    assert meta["cv_metrics"] == {}
    config_json = json.loads(Path(stored.path_of("config.json")).read_text())
    assert config_json["id2label"]["0"] == "data_collection"
    texts = ["We use cookies.", "Children under 13.", "Write to privacy@example.com with questions."]
    reference = result.predictor().scores(texts)
    fp32 = ClauseModel.load(stored.path, device="cpu", backend="torch")
    assert fp32.backend == "torch-cpu" and np.allclose(fp32.scores(texts), reference, atol=1e-5)
    int8 = ClauseModel.load(stored.path, device="cpu")
    assert int8.backend == "onnx-int8" and (Path(stored.path) / "model.int8.onnx").is_file()
    assert np.abs(int8.scores(texts) - reference).max() < 0.05
