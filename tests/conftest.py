"""Shared fixtures: an isolated BentoML home, offline Hugging Face, a tiny random BERT, toy data."""

from __future__ import annotations

import os
import tempfile

# Before anything imports bentoml or transformers: never touch the user's model store or the hub.
# Once per test process: a test module importing `tests.conftest` again must not move the store.
os.environ.setdefault("CLAUSEWISE_TEST_BENTOML_HOME", tempfile.mkdtemp(prefix="clausewise-test-bentoml-"))
os.environ["BENTOML_HOME"] = os.environ["CLAUSEWISE_TEST_BENTOML_HOME"]
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from clausewise.taxonomy import load_taxonomy  # noqa: E402
from training.data import LabelRecord  # noqa: E402

TOY_TEXTS = {
    "cookies_tracking": [
        "We use cookies to remember your login.",
        "Cookies and web beacons help us measure traffic.",
        "You can block cookies in your browser settings.",
        "Pixel tags in our emails tell us when you open them.",
    ],
    "contact": [
        "Write to our privacy officer at privacy@example.com.",
        "Call our hotline on 400-123-456 with any questions.",
        "Contact the service centre if you have a complaint.",
        "You can reach us by post at 1 Main Street.",
    ],
    "children": [
        "Children under 13 may not create an account.",
        "Minors need the consent of a parent or guardian.",
        "We do not knowingly collect data from children.",
        "Parents may ask us to delete their child's information.",
    ],
}


def toy_records(docs: int = 3) -> list[LabelRecord]:
    """A trivially separable three-label set spread over `docs` documents, plus one chrome clause each."""
    out: list[LabelRecord] = []
    for d in range(docs):
        for label, texts in TOY_TEXTS.items():
            for k, text in enumerate(texts):
                out.append(LabelRecord(f"{d}-{label}-{k}", f"doc{d}", f"{text} (doc {d})", (label,)))
        out.append(LabelRecord(f"{d}-chrome", f"doc{d}", f"Home | Cart | Help {d}", ()))
    return out


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy()


@pytest.fixture(scope="session")
def tiny_base(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer BERT with the real MiniLM tokenizer, saved to a folder."""
    from transformers import AutoTokenizer, BertConfig, BertModel

    from clausewise.model import base_model_path

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


ROOT = Path(__file__).resolve().parents[1]
BODY_TIMEOUT_S = 3  # the test server's body deadline (the default is 30 s), so the slow-client test is quick


@pytest.fixture(scope="session")
def stored_model(tiny_base, taxonomy):
    """A tiny model stored as clause-classifier in the test BENTOML_HOME; returns its tag."""
    from training.config import TrainConfig
    from training.train import build_metadata, fit, store_model

    records = toy_records(2)
    config = TrainConfig(base_model=str(tiny_base), epochs=2)
    result = fit(records, taxonomy, config, progress=False)
    return store_model(result, build_metadata(result, taxonomy, records, config, None))


@pytest.fixture(scope="session")
def server(stored_model):
    """`bentoml serve` with the tiny model on a free 127.0.0.1 port; stopped by PID at the end."""
    from serving.local_server import local_server

    env = {"CLAUSEWISE_MODEL": stored_model, "CLAUSEWISE_DEVICE": "cpu", "CLAUSEWISE_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S)}
    with local_server(env, Path(os.environ["BENTOML_HOME"]) / "serve.log", ready_timeout=120) as (url, _proc):
        yield url
