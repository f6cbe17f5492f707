"""Shared fixtures: an isolated BentoML home, offline Hugging Face, a tiny random BERT, toy data."""

from __future__ import annotations

import os
import tempfile

# Before anything imports bentoml or transformers: never touch the user's model store or the hub.
os.environ.setdefault("CLAUSEWISE_TEST_BENTOML_HOME", tempfile.mkdtemp(prefix="clausewise-test-bentoml-"))
os.environ["BENTOML_HOME"] = os.environ["CLAUSEWISE_TEST_BENTOML_HOME"]
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path

import pytest

from clausewise.taxonomy import load_taxonomy
from tests.utils import BODY_TIMEOUT_S, toy_records


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with the real MiniLM tokenizer, saved to a folder."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from clausewise.network import base_model_path

    path = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = AutoTokenizer.from_pretrained(str(base_model_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
    )
    BertModel(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


@pytest.fixture(scope="session")
def stored_model(tiny_base, taxonomy):
    """A tiny model stored as clause-classifier in the test BENTOML_HOME; returns its tag."""
    from clausewise.model_dir import CONTEXT_STACK
    from training.config import TrainConfig
    from training.context_fit import fit_context_stack
    from training.heldout import evaluate_heldout_sets, heldout_records
    from training.registry import build_metadata, store_model
    from training.train import fit

    records = toy_records(2)
    config = TrainConfig(base_model=str(tiny_base), epochs=2)
    result = fit(records, taxonomy, config, progress=False)
    # As the default model has one: a context stack, here fitted on three real policies (plumbing, not quality)
    context = [r for r in heldout_records(taxonomy, "real") if r.doc.startswith(("oth01", "oth02", "oth03"))]
    result.info.extra[CONTEXT_STACK] = fit_context_stack(result.predictor(), context, seed=1).to_dict()
    slices = {
        "real": [r for r in heldout_records(taxonomy, "real") if r.doc.startswith("oth14")],  # slices keep it quick
        "written": [r for r in heldout_records(taxonomy, "written") if r.doc.startswith("h01")],
    }
    figures = evaluate_heldout_sets(result.predictor(), taxonomy, slices)
    return store_model(result, build_metadata(result, taxonomy, records, config, None, figures))


@pytest.fixture(scope="session")
def server(stored_model):
    """`bentoml serve` with the tiny model on a free 127.0.0.1 port; stopped by PID at the end."""
    from benchmarks.local_server import local_server

    env = {
        "CLAUSEWISE_MODEL": stored_model,
        "CLAUSEWISE_DEVICE": "cpu",
        "CLAUSEWISE_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
    }
    with local_server(env, Path(os.environ["BENTOML_HOME"]) / "serve.log", ready_timeout=120) as (url, _proc):
        yield url
