"""The quick model: the base encoder untouched, a trained head, and the same network the fine-tuned model uses."""

import numpy as np
import torch
from transformers import AutoModel

from clausewise.model_dir import QUICK
from clausewise.network import model_input
from tests.utils import TOY_TEXTS, tiny_config, toy_records
from training.quick import embed, fit_quick


def test_quick_model_keeps_the_encoder_and_learns_the_toy_labels(tiny_base, taxonomy):
    # The tiny random encoder separates little, so give the head one epoch's worth of clean signal.
    result = fit_quick(toy_records(3), taxonomy, tiny_config(tiny_base, tune_thresholds=False))
    base = AutoModel.from_pretrained(str(tiny_base))
    for name, value in base.state_dict().items():
        assert torch.equal(value, result.model.encoder.state_dict()[name]), name  # frozen
    assert result.info.extra["kind"] == QUICK
    texts = [t for texts in TOY_TEXTS.values() for t in texts]
    predictor = result.predictor()
    scores = predictor.scores(texts)
    # The served network (encoder, mean pooling, head) gives what the head learnt on the embeddings.
    x = embed(result.model.encoder, result.tokenizer, [model_input(t, None, False) for t in texts], 128)
    with torch.inference_mode():
        expected = torch.sigmoid(result.model.head(torch.from_numpy(x))).numpy()
    assert np.allclose(scores, expected, atol=1e-5)
    names = list(taxonomy.names)
    hits = [names[int(np.argmax(row))] for row in scores]
    truth = [label for label, ts in TOY_TEXTS.items() for _ in ts]
    assert np.mean([h == t for h, t in zip(hits, truth)]) > 0.5


def test_embed_reports_progress_in_padded_tokens(tiny_base):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_base))
    encoder = AutoModel.from_pretrained(str(tiny_base)).eval()
    seen: list[tuple[int, int]] = []
    pairs = [("short", None)] * 70 + [("a much longer clause " * 5, None)] * 3
    out = embed(encoder, tokenizer, pairs, 64, lambda done, total: seen.append((done, total)))
    assert out.shape == (73, encoder.config.hidden_size)
    assert seen[-1][0] == seen[-1][1] and all(a < b for (a, _), (b, _) in zip(seen, seen[1:]))
    assert np.allclose(out[0], out[69]) and not np.allclose(out[0], out[70])
