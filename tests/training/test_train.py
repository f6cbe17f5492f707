"""The training loop on a tiny in-memory dataset; one slow test uses the real base model."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from tests.utils import TOY_TEXTS, tiny_config, toy_records
from training.config import ConfigError, TrainConfig
from training.real_policies import real_training_docs
from training.splits import validation_split
from training.train import bucketed_batches, fit, loss_weights


def test_validation_split_is_seeded_and_disjoint():
    records = toy_records(3)
    a = validation_split(records, 0.2, seed=1)
    assert a == validation_split(records, 0.2, seed=1)
    train, val = a
    assert not set(train) & set(val) and len(train) + len(val) == len(records)
    assert {label for i in val for label in records[i].labels} == set(TOY_TEXTS)


def test_bucketed_batches_cover_every_row_once_and_group_similar_lengths():
    lengths = [(i * 37) % 101 for i in range(300)]
    batches = bucketed_batches(lengths, 8, torch.Generator().manual_seed(0), pool=4)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(300)) and all(len(b) <= 8 for b in batches)
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches])
    assert spread < 30  # random batches of 8 over 0..100 would spread ~75


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


def test_lead_in_input_trains_is_stored_and_changes_what_the_model_reads(tiny_base, taxonomy, tmp_path):
    from clausewise.model import ClauseModel
    from clausewise.model_dir import read_info, save_model_dir
    from training.data import with_lead_ins

    records = with_lead_ins(toy_records(2))
    result = fit(records, taxonomy, tiny_config(tiny_base, lead_in=True), progress=False)
    assert result.info.context == "lead-in" and result.info.paired
    folder = save_model_dir(tmp_path / "m", result.model, result.tokenizer, result.info, int8=False)
    assert read_info(folder).lead_in is True
    model = ClauseModel.load(folder, backend="torch")
    item = ["- your name and email address"]
    with_lead, alone = model.scores(item, ["We collect:"]), model.scores(item, [None])
    assert not np.allclose(with_lead, alone)  # the lead-in reaches the network


def test_heading_input_trains_and_scores(tiny_base, taxonomy):
    records = [r.__class__(**{**r.__dict__, "heading": "Cookies"}) for r in toy_records(2)]
    result = fit(records, taxonomy, tiny_config(tiny_base, use_heading=True), progress=False)
    scores = result.predictor().scores(["We use cookies.", "Call us."], ["Cookies", None])
    assert scores.shape == (2, len(taxonomy)) and np.all((scores >= 0) & (scores <= 1))


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


def test_freeze_layers_leaves_the_lowest_layers_and_embeddings_as_they_were(tiny_base, taxonomy):
    from transformers import AutoModel

    base = AutoModel.from_pretrained(str(tiny_base)).state_dict()
    trained = fit(toy_records(2), taxonomy, tiny_config(tiny_base, freeze_layers=1), progress=False)
    state = trained.model.encoder.state_dict()
    frozen = [k for k in base if k.startswith(("embeddings.", "encoder.layer.0."))]
    moved = [k for k in base if k.startswith("encoder.layer.1.") and k.endswith("weight")]
    assert frozen and all(torch.equal(base[k], state[k]) for k in frozen)
    assert any(not torch.equal(base[k], state[k]) for k in moved)
    with pytest.raises(ValueError, match="has 2 layers"):
        fit(toy_records(2), taxonomy, tiny_config(tiny_base, freeze_layers=3), progress=False)


def test_real_policies_weigh_more_in_the_loss_only_when_asked(tiny_base, taxonomy):
    real = sorted(real_training_docs())[:2]
    records = [replace(r, doc=real[0] if r.doc == "doc0" else r.doc) for r in toy_records(3)]
    is_real = np.array([r.doc in real for r in records])
    assert is_real.any() and not is_real.all()
    plain = loss_weights(records, 1.0)
    assert np.allclose(plain, 1.0)
    w = loss_weights(records, 3.0)
    assert np.isclose(w.mean(), 1.0) and np.allclose(w[is_real] / w[~is_real].max(), 3.0)
    with pytest.raises(ConfigError, match="real_weight"):
        TrainConfig(real_weight=0)
    config = tiny_config(tiny_base)
    same = [fit(records, taxonomy, config, progress=False).predictor().scores(TOY_TEXTS) for _ in range(2)]
    weighted = fit(records, taxonomy, replace(config, real_weight=3.0), progress=False).predictor().scores(TOY_TEXTS)
    assert np.allclose(same[0], same[1], atol=1e-5) and not np.allclose(same[0], weighted, atol=1e-5)
